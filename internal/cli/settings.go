package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/config"
)

// settingsOptions are `masx settings`'s inputs.
type settingsOptions struct {
	*App
	Markdown bool
}

func newSettingsCmd(app *App, runF func(context.Context, *settingsOptions) error) *cobra.Command {
	opts := &settingsOptions{App: app}
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "List every setting with its flag, default and meaning",
		Long: `Lists every setting masx honours. Each can be given as an environment
variable, in a .env file, or as a flag (flags beat env, env beats .env).
With --markdown it prints the table the README carries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOr(cmd.Context(), opts, runF, settingsRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Markdown, "markdown", false, "print a Markdown table")
	return cmd
}

func settingsRun(_ context.Context, opts *settingsOptions) error {
	if opts.Markdown {
		return writeSettingsMarkdown(opts.Stdout)
	}
	for _, sp := range config.Specs() {
		fmt.Fprintf(opts.Stdout, "%-28s --%-24s default %-12q %s\n", sp.Var, sp.Flag, sp.Default, sp.Help)
	}
	return nil
}

func writeSettingsMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| Environment variable | Flag | Default | Meaning |\n|---|---|---|---|\n")
	for _, sp := range config.Specs() {
		def := "`" + sp.Default + "`"
		if sp.Default == "" {
			def = "(empty)"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | %s | %s |\n", sp.Var, sp.Flag, def, strings.ReplaceAll(settingHelp(sp), "|", "\\|"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// settingHelp is a setting's help, saying so when its value is secret.
func settingHelp(sp config.Spec) string {
	if sp.Secret {
		return sp.Help + " Secret: shown as " + config.RedactedSet + " or " + config.RedactedEmpty + "."
	}
	return sp.Help
}
