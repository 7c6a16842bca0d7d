// Package cli holds the masx command tree. Each command lives in its own file
// as a newXxxCmd constructor; root.go wires them together.
//
// A command is thin: its constructor binds flags and arguments to an
// options struct (xxxOptions, which embeds the App), checks them, and hands
// it to a run function, xxxRun(ctx, opts), which does the work and can be
// called without cobra. newXxxCmd(app, runF) calls runF instead when it is
// not nil, so a test can see what the flags parsed to. Measurements live in
// internal/bench, with thin `masx bench …` commands here.
//
// Exit codes are part of the interface: 0 ok, 1 failure, 2 usage or input
// error. A command signals the latter by returning an error that wraps
// [ErrUsage] (see [Usagef]) or a [config.ErrInvalid].
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/store"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// ErrUsage marks usage and input errors; Main exits 2 on them.
var ErrUsage = errors.New("usage error")

type usageError struct{ err error }

func (u usageError) Error() string        { return u.err.Error() }
func (u usageError) Unwrap() []error      { return []error{u.err, ErrUsage} }
func (u usageError) Is(target error) bool { return target == ErrUsage }

// Usagef returns an error that makes masx exit with code 2.
func Usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// AsUsage marks err as a usage or input error, keeping it wrapped.
func AsUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// usageSentinels lists errors from other packages that mean "bad input".
// Packages that parse user input export a sentinel and add it here.
var usageSentinels = []error{ErrUsage, config.ErrInvalid, input.ErrInput, store.ErrBadURL}

// App is what every command shares: loaded settings, a logger and the
// standard streams. It is built once per invocation by Main.
type App struct {
	Settings *config.Settings
	Logger   *slog.Logger
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer

	envFile string
	flags   map[string]*string // env var → flag value
	reached bool               // PersistentPreRunE ran: args and flags parsed
}

// Main runs masx with args (without the program name) and returns the exit
// code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr)
}

// runIO is run with stdin as the standard input.
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr, flags: map[string]*string{}}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(app, err)
	fmt.Fprintf(stderr, "masx: %v\n", withSettingNames(err))
	if code == ExitUsage && !app.reached {
		fmt.Fprintln(stderr, "Run 'masx --help' for usage.")
	}
	return code
}

// runOr calls runF with opts when a test gave one, else run: the seam
// between a command's flags and its work.
func runOr[O any](ctx context.Context, opts *O, runF, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(ctx, opts)
	}
	return run(ctx, opts)
}

func exitCode(app *App, err error) int {
	if !app.reached {
		// Cobra failed before any command ran: unknown command, bad flag,
		// wrong number of arguments.
		return ExitUsage
	}
	for _, s := range usageSentinels {
		if errors.Is(err, s) {
			return ExitUsage
		}
	}
	return ExitFailure
}

// bindSettingFlags adds one persistent flag per setting. Values stay strings
// so config validates flags and environment with the same rules and errors.
func (app *App) bindSettingFlags(fs *pflag.FlagSet) {
	fs.StringVar(&app.envFile, "env-file", ".env", "optional .env file with settings (env and flags override it)")
	for _, sp := range config.Specs() {
		p := new(string)
		app.flags[sp.Var] = p
		fs.StringVar(p, sp.Flag, "", fmt.Sprintf("%s (env %s, default %q)", sp.Help, sp.Var, sp.Default))
	}
}

func (app *App) load(cmd *cobra.Command) error {
	app.reached = true
	given := map[string]string{}
	for _, sp := range config.Specs() {
		if f := cmd.Flags().Lookup(sp.Flag); f != nil && f.Changed {
			given[sp.Var] = *app.flags[sp.Var]
		}
	}
	opts := config.FromProcess(given)
	opts.DotEnv = app.envFile
	s, err := config.Load(opts)
	if err != nil {
		if !errors.Is(err, config.ErrInvalid) {
			err = AsUsage(err)
		}
		return err
	}
	app.Settings = s
	app.Logger = newLogger(app.Stderr, s)
	slog.SetDefault(app.Logger)
	return nil
}

func newLogger(w io.Writer, s *config.Settings) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(s.LogLevel))) // validated by config
	opts := &slog.HandlerOptions{Level: lvl}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
