package clusterbench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunSmall(t *testing.T) {
	rep, err := Run(context.Background(), Config{N: 300, Dim: 8, Centers: 3, Spread: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NClusters != 3 || rep.AutoNClusters != 3 || rep.StoriesNClusters != 3 {
		t.Errorf("got %d clusters (original policy %d, stories %d) in 3 well-separated blobs; want 3", rep.NClusters, rep.AutoNClusters, rep.StoriesNClusters)
	}
	if rep.Seconds <= 0 || rep.AutoSeconds <= 0 || rep.StoriesSeconds <= 0 || rep.StoriesPeakRSSMB == 0 || rep.GOMAXPROCS < 1 {
		t.Errorf("a figure is missing: %+v", rep)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil || !strings.Contains(b.String(), "300 × 8 dims, 3 blobs") {
		t.Errorf("WriteText = %q, %v", b.String(), err)
	}
	skip, err := Run(context.Background(), Config{N: 300, Dim: 8, Centers: 3, Spread: 0.5, Seed: 1, SkipFullHDBSCAN: true})
	if err != nil || skip.Seconds != 0 || skip.StoriesNClusters != 3 {
		t.Errorf("SkipFullHDBSCAN: %+v, %v", skip, err)
	}
	if _, err := Run(context.Background(), Config{N: 0, Dim: 8, Centers: 3}); err == nil {
		t.Error("N 0 accepted")
	}
}
