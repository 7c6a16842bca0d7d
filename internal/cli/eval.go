package cli

import "github.com/spf13/cobra"

// newEvalCmd groups the `masx eval …` evaluations against labelled data.
func newEvalCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Score parts of masx against labelled data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Usagef("eval needs a subcommand; see 'masx eval --help'")
		},
	}
	cmd.AddCommand(newEvalClusterCmd(app, nil))
	return cmd
}
