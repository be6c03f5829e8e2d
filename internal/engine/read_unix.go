//go:build unix

package engine

import (
	"errors"
	"io/fs"
	"syscall"
)

// readSmall reads a file of at most limit bytes with plain system calls
// (open, read, close): os.Open also registers the descriptor with the
// runtime poller, which costs several more calls per file. whole is false
// when the file holds more than limit bytes. The buffer starts at the size the
// walk saw (hint, plus one byte to meet the end) so that a file is usually
// read into one allocation with two reads; the file is still read to its end
// whatever its size is now.
func readSmall(path string, limit int, hint int64) (data []byte, whole bool, err error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for errors.Is(err, syscall.EINTR) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, int(min(max(hint+1, 512), int64(limit)+1)))
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, false, nil
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, false, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, len(buf) <= limit, nil
		}
		buf = buf[:len(buf)+n]
	}
}
