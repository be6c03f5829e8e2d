package cli

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/settings"
)

func newCreateSettingsCmd(stderr io.Writer) *cobra.Command {
	var location string
	var force bool
	cmd := &cobra.Command{
		Use:   "create-settings-file",
		Short: "Create a modelscan settings file with the defaults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(location); err == nil && !force {
				fmt.Fprintf(stderr, "%s file already exists. Please use `--force` flag if you intend to overwrite it.\n", location)
				return nil
			}
			if err := os.WriteFile(location, []byte(settings.DefaultTOML()), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "Wrote default settings to %s\n", location)
			return nil
		},
	}
	cmd.Flags().StringVarP(&location, "location", "l", defaultSettings, "The specific filepath to write the settings file")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Overwrite existing settings file if it exists")
	return cmd
}

func newRulesCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the rule ids findings carry, with their default severity",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return listRules(stdout)
		},
	}
}

// listRules prints the rule catalogue: id, default severity, short text.
func listRules(stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tDESCRIPTION")
	for _, r := range rules.All {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Short)
	}
	return tw.Flush()
}
