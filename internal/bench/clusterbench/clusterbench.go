// Package clusterbench is `masx bench cluster`: HDBSCAN and the pipeline's
// clustering policies (the default stories policy and the original's)
// timed on synthetic Gaussian blobs, each with the peak resident memory of
// its own step.
package clusterbench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/masx-ai/masx/internal/bench/procstat"
	"github.com/masx-ai/masx/nlp/cluster"
)

// Config says what to generate: N points in Dim dimensions around Centers
// blobs with standard deviation Spread, from Seed. Each count must be at
// least 1 and Spread at least 0.
type Config struct {
	N, Dim, Centers int
	Spread          float64
	Seed            uint64
	// SkipFullHDBSCAN leaves out HDBSCAN on the full dimension, whose
	// O(n²·d) cost dominates at 50,000 points.
	SkipFullHDBSCAN bool
}

// Report is `masx bench cluster --json`. Seconds are wall time;
// peak_rss_mb is the process's high-water mark (VmHWM), −1 where /proc is
// missing.
type Report struct {
	N          int     `json:"n"`
	Dim        int     `json:"dim"`
	Centers    int     `json:"centers"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	Seconds    float64 `json:"seconds"` // HDBSCAN on the full dimension
	NClusters  int     `json:"n_clusters"`
	Noise      int     `json:"noise"`
	// The pipeline's policy on the same vectors (normalise, 20 principal
	// components, HDBSCAN with epsilon 0.05).
	AutoSeconds   float64 `json:"auto_seconds"`
	AutoAlgorithm string  `json:"auto_algorithm"`
	AutoNClusters int     `json:"auto_n_clusters"`
	AutoNoise     int     `json:"auto_noise"`
	// The stories policy (the default) on the same vectors, and the peak
	// RSS of its step alone (the mark is reset before it; −1 where the
	// kernel refused the reset).
	StoriesSeconds   float64 `json:"stories_seconds"`
	StoriesAlgorithm string  `json:"stories_algorithm"`
	StoriesNClusters int     `json:"stories_n_clusters"`
	StoriesNoise     int     `json:"stories_noise"`
	StoriesPeakRSSMB float64 `json:"stories_peak_rss_mb"`
	// CPU seconds (all threads) of each policy: on a shared machine the
	// steadier figure.
	StoriesCPUSeconds float64 `json:"stories_cpu_seconds"`
	AutoCPUSeconds    float64 `json:"auto_cpu_seconds"`
	// AutoPeakRSSMB is the original policy's own peak, measured as the
	// stories policy's is.
	AutoPeakRSSMB float64 `json:"auto_peak_rss_mb"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
}

// Run generates the points and times the stories policy (the pipeline's
// default), HDBSCAN (min cluster size 5) on the full dimension unless
// skipped, and the original policy, on the same points.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.N < 1 || cfg.Dim < 1 || cfg.Centers < 1 || !(cfg.Spread >= 0) {
		return Report{}, fmt.Errorf("clusterbench: Config %+v: want N, Dim and Centers ≥ 1 and Spread ≥ 0", cfg)
	}
	vectors, _ := cluster.GaussianBlobs(cfg.N, cfg.Dim, cfg.Centers, cfg.Spread, cfg.Seed)
	rep := Report{N: cfg.N, Dim: cfg.Dim, Centers: cfg.Centers, GOMAXPROCS: runtime.GOMAXPROCS(0)}

	// The stories policy runs first, on a fresh peak-RSS mark, so its
	// peak is its own and not the full-dimension HDBSCAN's.
	reset := procstat.ResetPeakRSS()
	start, cpu := time.Now(), procstat.CPU()
	res, err := cluster.Cluster(ctx, vectors, cluster.PolicyConfig{Seed: cfg.Seed})
	if err != nil {
		return rep, fmt.Errorf("running the stories policy: %w", err)
	}
	rep.StoriesSeconds, rep.StoriesCPUSeconds = time.Since(start).Seconds(), (procstat.CPU() - cpu).Seconds()
	rep.StoriesAlgorithm, rep.StoriesNClusters, rep.StoriesNoise = res.Algorithm, res.NClusters, res.Noise()
	rep.StoriesPeakRSSMB = -1
	if reset {
		rep.StoriesPeakRSSMB = procstat.PeakRSSMB()
	}

	if !cfg.SkipFullHDBSCAN {
		start = time.Now()
		res, err := cluster.HDBSCAN(ctx, vectors, cluster.Config{})
		if err != nil {
			return rep, fmt.Errorf("running HDBSCAN: %w", err)
		}
		rep.Seconds = time.Since(start).Seconds()
		rep.NClusters, rep.Noise = res.NClusters, res.Noise()
	}

	reset = procstat.ResetPeakRSS()
	start, cpu = time.Now(), procstat.CPU()
	auto, err := cluster.Auto(ctx, vectors, cluster.AutoConfig{})
	if err != nil {
		return rep, fmt.Errorf("running the clustering policy: %w", err)
	}
	rep.AutoSeconds, rep.AutoCPUSeconds = time.Since(start).Seconds(), (procstat.CPU() - cpu).Seconds()
	rep.AutoPeakRSSMB = -1
	if reset {
		rep.AutoPeakRSSMB = procstat.PeakRSSMB()
	}
	rep.AutoAlgorithm, rep.AutoNClusters, rep.AutoNoise = auto.Algorithm, auto.NClusters, auto.Noise()
	rep.PeakRSSMB = procstat.PeakRSSMB()
	return rep, nil
}

// WriteText prints the report as a table.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "points\t%d × %d dims, %d blobs, GOMAXPROCS %d\n", r.N, r.Dim, r.Centers, r.GOMAXPROCS)
	fmt.Fprintf(tw, "stories policy (%s)\t%.3f s (%.2f CPU s)\t%d clusters, %d noise\tpeak RSS %.1f MB\n", r.StoriesAlgorithm, r.StoriesSeconds,
		r.StoriesCPUSeconds, r.StoriesNClusters, r.StoriesNoise, r.StoriesPeakRSSMB)
	if r.Seconds > 0 {
		fmt.Fprintf(tw, "hdbscan (full dim)\t%.3f s\t%d clusters, %d noise\n", r.Seconds, r.NClusters, r.Noise)
	}
	fmt.Fprintf(tw, "original policy (%s)\t%.3f s (%.2f CPU s)\t%d clusters, %d noise\tpeak RSS %.1f MB\n", r.AutoAlgorithm, r.AutoSeconds,
		r.AutoCPUSeconds, r.AutoNClusters, r.AutoNoise, r.AutoPeakRSSMB)
	fmt.Fprintf(tw, "peak RSS\t%.1f MB\n", r.PeakRSSMB)
	return tw.Flush()
}
