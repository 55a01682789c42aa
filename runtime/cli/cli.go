// Package cli is the `chii` command line: it dispatches `chii server`,
// `chii worker canal` and `chii worker timeline`, loads the configuration
// from the environment and runs the process until ctx is cancelled.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/bangumi/chii/runtime/config"
	"github.com/bangumi/chii/runtime/logging"
	"github.com/bangumi/chii/runtime/server"
	"github.com/bangumi/chii/runtime/worker/canal"
	"github.com/bangumi/chii/runtime/worker/timeline"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1 // the process failed while running
	ExitUsage = 2 // bad command line or configuration
)

type command struct {
	path    string // "server", "worker canal", …
	summary string
	proc    config.Process
	run     func(ctx context.Context, cfg config.Config, logger *slog.Logger) error
	// withArgs, for a command that takes flags and arguments, declares its flags on fs and
	// returns how to check the arguments (before the configuration is read) and how to run.
	withArgs func(fs *flag.FlagSet, stderr io.Writer) (check func(args []string) error, run runArgs)
	// argsUsage describes the arguments in the usage line.
	argsUsage string
}

type runArgs func(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string) error

var commands = []command{
	{path: "server", summary: "serve the /v0 HTTP API (demo mode without CHII_MYSQL_DSN)", proc: config.Server, run: server.Run},
	{path: "worker canal", summary: "consume Debezium change events (CHII_KAFKA_TOPICS)", proc: config.CanalWorker, run: canal.Run},
	{path: "worker timeline", summary: "consume timeline messages (CHII_TIMELINE_TOPIC)", proc: config.TimelineWorker, run: timeline.Run},
	{
		path: "search reindex", summary: "rebuild the search index from MySQL (resumable; CHII_MEILISEARCH_URL or CHII_SEARCH_DIR)",
		proc: config.SearchReindex, withArgs: reindexCommand, argsUsage: "[-batch N] [-restart] [subjects|characters|persons ...]",
	},
}

// Main runs the chii command line with args (without the program name).
// Configuration comes only from getenv. Logs go to stdout; usage and
// configuration errors to stderr. It returns the process exit code: 0 after
// a clean stop (ctx cancelled, in-flight work finished), 1 when the process
// failed, 2 for a bad command line or configuration.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	top := flag.NewFlagSet("chii", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	if err := top.Parse(args); err != nil {
		if err == flag.ErrHelp {
			usage(stdout)
			return ExitOK
		}
		fmt.Fprintf(stderr, "chii: %v\n\n", err)
		usage(stderr)
		return ExitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, "chii: missing command\n\n")
		usage(stderr)
		return ExitUsage
	}

	cmd, rest, ok := lookup(rest)
	if !ok {
		fmt.Fprintf(stderr, "chii: unknown command %q\n\n", strings.Join(rest, " "))
		usage(stderr)
		return ExitUsage
	}

	fs := flag.NewFlagSet("chii "+cmd.path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var check func([]string) error
	var run runArgs
	if cmd.withArgs != nil {
		check, run = cmd.withArgs(fs, stderr)
	}
	if err := fs.Parse(rest); err != nil {
		if err == flag.ErrHelp {
			commandUsage(stdout, cmd)
			return ExitOK
		}
		fmt.Fprintf(stderr, "chii %s: %v\n\n", cmd.path, err)
		commandUsage(stderr, cmd)
		return ExitUsage
	}
	if check == nil && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chii %s: unexpected argument %q\n\n", cmd.path, fs.Arg(0))
		commandUsage(stderr, cmd)
		return ExitUsage
	}
	if check != nil {
		if err := check(fs.Args()); err != nil {
			fmt.Fprintf(stderr, "chii %s: %v\n\n", cmd.path, err)
			commandUsage(stderr, cmd)
			return ExitUsage
		}
	}

	cfg, err := config.Load(getenv, cmd.proc)
	if err != nil {
		fmt.Fprintf(stderr, "chii %s: invalid configuration:\n", cmd.path)
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(stderr, "  - %s\n", line)
		}
		fmt.Fprintf(stderr, "\nRun 'chii %s -h' for the list of variables.\n", cmd.path)
		return ExitUsage
	}

	logger := logging.New(stdout, cfg.Log).With("process", cmd.path)
	logger.Info("chii starting", "config", cfg)
	if run == nil {
		run = func(ctx context.Context, cfg config.Config, logger *slog.Logger, _ []string) error {
			return cmd.run(ctx, cfg, logger)
		}
	}
	if err := run(ctx, cfg, logger, fs.Args()); err != nil {
		logger.Error("chii stopped with an error", "err", err.Error())
		return ExitError
	}
	logger.Info("chii stopped")
	return ExitOK
}

// lookup finds the command named by the first words of args.
func lookup(args []string) (command, []string, bool) {
	for _, c := range commands {
		words := strings.Fields(c.path)
		if len(args) < len(words) {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			return c, args[len(words):], true
		}
	}
	return command{}, args, false
}

func usage(w io.Writer) {
	fmt.Fprint(w, "Usage: chii <command> [-h]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.path, c.summary)
	}
	fmt.Fprint(w, "\nConfiguration is read from the environment only; run 'chii <command> -h' for the variables.\n")
}

func commandUsage(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: chii %s [-h]%s\n\n%s.\n\n", c.path, strings.TrimRight(" "+c.argsUsage, " "), upperFirst(c.summary))
	if c.withArgs != nil {
		fs := flag.NewFlagSet(c.path, flag.ContinueOnError)
		c.withArgs(fs, io.Discard)
		fmt.Fprint(w, "Flags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "Environment (legacy bangumi names are used only when the CHII_ name is unset):\n")
	for _, v := range config.Variables {
		def := v.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(w, "  %-30s default %s\n      %s", v.Name, def, v.Meaning)
		if v.Legacy != "" {
			fmt.Fprintf(w, " [legacy: %s]", v.Legacy)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "\nStops on SIGINT/SIGTERM after in-flight work finishes (at most CHII_SHUTDOWN_GRACE).\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
