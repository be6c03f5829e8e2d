// Command cpuref is the pure-CPU reference of bench/jobs.sh: it hashes a
// 1 MiB buffer with SHA-256 a fixed number of times, in one goroutine, with
// no allocation, no system calls and no garbage collection. Two copies run
// at once on a machine with two free CPUs take as long as one; how much
// longer they take is what the machine itself gives to parallel work (its
// vCPUs may share a physical core, or the host may be busy).
//
//	go run ./bench/cpuref [-n 800]
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
)

func main() {
	n := flag.Int("n", 800, "MiB to hash")
	flag.Parse()
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	var sum [sha256.Size]byte
	for i := 0; i < *n; i++ {
		copy(buf, sum[:])
		sum = sha256.Sum256(buf)
	}
	fmt.Printf("%x\n", sum[:4])
}
