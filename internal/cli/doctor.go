package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/crawl/render"
	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/onnx"
)

// doctorReport is `masx doctor --json`. Keys are stable once added.
type doctorReport struct {
	Device      deviceReport       `json:"device"`
	Executors   executorReport     `json:"executors"`
	Batch       batchReport        `json:"batch"`
	ONNXRuntime onnx.Info          `json:"onnxruntime"`
	Models      []hub.Installed    `json:"models"`
	ModelsDir   string             `json:"models_dir"`
	Chromium    chromiumReport     `json:"chromium"`
	Translator  translatorReport   `json:"translator"`
	Summarizer  summarizerReport   `json:"summarizer"`
	Settings    []config.Effective `json:"settings"`
}

type deviceReport struct {
	device.Config
	Error string `json:"error,omitempty"`
}

type executorReport struct {
	MaxThreads int `json:"max_threads"`
	MaxProcs   int `json:"max_procs"`
}

type batchReport struct {
	MaxBatchSize int  `json:"max_batch_size"`
	MaxDelayMS   int  `json:"max_delay_ms"`
	QueueMax     int  `json:"queue_max"`
	FP16         bool `json:"fp16"`
}

type chromiumReport struct {
	Path      string        `json:"path"`
	Available bool          `json:"available"`
	Version   string        `json:"version,omitempty"`
	Error     string        `json:"error,omitempty"`
	Sandbox   sandboxReport `json:"sandbox"`
}

// sandboxReport is render.SandboxMode under MASX_CHROMIUM_SANDBOX.
type sandboxReport struct {
	On     bool   `json:"on"`
	Reason string `json:"reason"`
	Error  string `json:"error,omitempty"`
}

// doctorOptions are `masx doctor`'s inputs.
type doctorOptions struct {
	*App
	JSON bool
}

func newDoctorCmd(app *App, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{App: app}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Report the device, runtime libraries, browser, models and effective settings",
		Long: `Reports what masx would run on and with: the device decision (NVML),
the shared executor sizes, batch settings, the ONNX Runtime library and its
providers, installed models, the Chromium binary and whether its sandbox is
on (and why), and every setting with the source of its value (default, .env,
env or flag).

Exits 2 when the settings cannot be honoured (for example MASX_FORCE_GPU=1
without a usable GPU, or MASX_CHROMIUM_SANDBOX=on where the sandbox cannot
work), after printing the report.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOr(cmd.Context(), opts, runF, doctorRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func doctorRun(ctx context.Context, opts *doctorOptions) error {
	rep, devErr := buildDoctorReport(ctx, opts.Settings)
	var err error
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = printDoctor(opts.Stdout, rep)
	}
	if err != nil {
		return err
	}
	if devErr != nil {
		return AsUsage(devErr)
	}
	return nil
}

func buildDoctorReport(ctx context.Context, s *config.Settings) (doctorReport, error) {
	dev, devErr := detectDevice(s)
	ex := executorConfig(s)
	rep := doctorReport{
		Device:    deviceReport{Config: dev},
		Executors: executorReport{MaxThreads: ex.MaxThreads, MaxProcs: ex.MaxProcs},
		Batch: batchReport{
			MaxBatchSize: s.BatchSize,
			MaxDelayMS:   s.BatchDelayMS,
			QueueMax:     s.BatchQueueMax,
			FP16:         s.FP16,
		},
		ONNXRuntime: onnxInfo(s),
		ModelsDir:   s.ResolvedModelsDir(),
		Chromium:    probeChromium(ctx, s.ChromiumPath),
		Translator:  probeTranslator(ctx, s),
		Summarizer:  probeSummarizer(s),
		Settings:    s.Effective(),
	}
	if devErr != nil {
		rep.Device.Error = devErr.Error()
	}
	on, why, sbErr := render.SandboxMode(renderConfig(s))
	rep.Chromium.Sandbox = sandboxReport{On: on, Reason: why}
	if sbErr != nil {
		rep.Chromium.Sandbox.Error = sbErr.Error()
		devErr = errors.Join(devErr, sbErr) // MASX_CHROMIUM_SANDBOX=on cannot be honoured
	}
	models, err := hub.List(rep.ModelsDir)
	if err != nil {
		return rep, err
	}
	rep.Models = models
	if rep.Models == nil {
		rep.Models = []hub.Installed{}
	}
	return rep, devErr
}

func probeChromium(ctx context.Context, path string) chromiumReport {
	path = render.ResolveChromiumPath(path)
	r := chromiumReport{Path: path}
	if _, err := os.Stat(path); err != nil {
		r.Error = fmt.Sprintf("%v; install it with scripts/setup.sh (Debian packages chromium-headless-shell and chromium)", err)
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		r.Error = fmt.Sprintf("running %s --version: %v", path, err)
		return r
	}
	r.Available = true
	r.Version = strings.TrimSpace(string(out))
	return r
}

func printDoctor(w io.Writer, rep doctorReport) error {
	d := rep.Device
	fmt.Fprintf(w, "device      %s:%d %s\n", d.Type, d.ID, d.Name)
	fmt.Fprintf(w, "            reason: %s\n", d.Reason)
	if d.Error != "" {
		fmt.Fprintf(w, "            ERROR: %s\n", d.Error)
	}
	if d.DeviceCount > 0 {
		fmt.Fprintf(w, "            %d GPU(s), driver %s, compute %s, %d MiB\n", d.DeviceCount, d.DriverVersion, d.ComputeCapability, d.TotalMemoryBytes>>20)
	}
	fmt.Fprintf(w, "executors   I/O pool %d (MAX_THREADS), CPU pool %d (MAX_PROCS)\n", rep.Executors.MaxThreads, rep.Executors.MaxProcs)
	fmt.Fprintf(w, "batch       size %d, delay %d ms, queue %d, fp16 %v\n", rep.Batch.MaxBatchSize, rep.Batch.MaxDelayMS, rep.Batch.QueueMax, rep.Batch.FP16)
	o := rep.ONNXRuntime
	if o.Available {
		fmt.Fprintf(w, "onnxruntime %s at %s, providers %s\n", o.Version, o.Library, strings.Join(o.Providers, ", "))
	} else {
		fmt.Fprintf(w, "onnxruntime unavailable (%s): %s\n            neural stages are off; install the library with scripts/setup.sh\n", o.Library, o.Err)
	}
	fmt.Fprintf(w, "models      %d installed in %s\n", len(rep.Models), rep.ModelsDir)
	for _, m := range rep.Models {
		fmt.Fprintf(w, "            %s (%s, fp16 %v)\n", m.RepoID, m.Path, m.HasFP16)
	}
	if c := rep.Chromium; c.Available {
		fmt.Fprintf(w, "chromium    %s (%s)\n", c.Version, c.Path)
	} else {
		fmt.Fprintf(w, "chromium    unavailable: %s\n", c.Error)
	}
	switch sb := rep.Chromium.Sandbox; {
	case sb.Error != "":
		fmt.Fprintf(w, "            sandbox ERROR: %s\n", sb.Error)
	case sb.On:
		fmt.Fprintf(w, "            sandbox on: %s\n", sb.Reason)
	default:
		fmt.Fprintf(w, "            sandbox off: %s\n", sb.Reason)
	}
	printTranslator(w, rep.Translator, rep.Summarizer)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE")
	for _, e := range rep.Settings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Var, e.Value, e.Source)
	}
	return tw.Flush()
}
