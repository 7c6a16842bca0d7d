package dashboard

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/masx-ai/masx/news"
)

// palette colours clusters by rank (the largest first): Okabe and Ito's
// colour-blind-safe set, extended, each dark enough to stand out on
// white. Unclustered articles are grey. Colour is never the only cue:
// points carry their cluster number in their title, the map labels each
// cluster's centre with its number, and the legend lists both.
var palette = [...]string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c6d1f", "#6a3d9a", "#1b7837", "#b2182b"}

const noiseColor = "#a0a0a0"

func clusterColor(rank int) string { return palette[rank%len(palette)] }

// Map geometry, in SVG user units; the SVG scales to its box.
const (
	mapW, mapH, mapPad = 640, 400, 16
)

// mapMaxPoints bounds the points drawn: past it an even sample is drawn
// (the legend still counts every article), so a huge flashpoint does not
// make a page of tens of megabytes that no one can read as a picture.
const mapMaxPoints = 10000

// mapView is the SVG map of a flashpoint's articles.
type mapView struct {
	W, H        int
	Points      []mapPoint
	Labels      []mapLabel
	Legend      []legendItem
	Clustered   int
	Unclustered int
	// Drawn is how many points are drawn, when fewer than all
	// (mapMaxPoints); 0 when every article is.
	Drawn int
}

type mapPoint struct {
	X, Y    string
	Color   string
	Cluster int // -1: not clustered
	Label   string
	Href    string
}

type mapLabel struct {
	X, Y string
	Text string
}

type legendItem struct {
	Color string
	Text  string
	N     int
	Href  string
}

// buildMap projects the ok articles that have a vector onto two
// principal axes and places them in the map's box, clustered ones in
// their cluster's colour, the rest grey, each linking to its source.
func buildMap(ctx context.Context, arts []news.Article, clusters []clusterRow) (mapView, error) {
	mv := mapView{W: mapW, H: mapH}
	rank := map[int]int{}
	for i, c := range clusters {
		rank[c.ClusterID] = i
		mv.Legend = append(mv.Legend, legendItem{Color: c.Color, Text: "#" + strconv.Itoa(c.Rank), N: c.ArticleCount, Href: c.Href})
	}
	var (
		idx  []int
		vecs [][]float32
	)
	for i := range arts {
		if arts[i].Status == news.StatusOK && len(arts[i].Embedding) > 0 {
			idx = append(idx, i)
			vecs = append(vecs, arts[i].Embedding)
		}
	}
	xy, err := project2D(ctx, vecs)
	if err != nil {
		return mv, err
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range xy {
		if !math.IsNaN(p[0]) {
			minX, maxX = min(minX, p[0]), max(maxX, p[0])
			minY, maxY = min(minY, p[1]), max(maxY, p[1])
		}
	}
	sx := scale(minX, maxX, mapW-2*mapPad)
	sy := scale(minY, maxY, mapH-2*mapPad)
	type sum struct{ x, y, n float64 }
	centres := make([]sum, len(clusters))
	stride := 1
	if len(idx) > mapMaxPoints {
		stride = (len(idx) + mapMaxPoints - 1) / mapMaxPoints
	}
	for k, i := range idx {
		p := xy[k]
		if math.IsNaN(p[0]) {
			continue
		}
		if k%stride != 0 {
			if _, ok := rank[arts[i].ClusterID]; ok {
				mv.Clustered++
			} else {
				mv.Unclustered++
			}
			continue
		}
		a := &arts[i]
		x := mapPad + (p[0]-minX)*sx
		y := mapH - mapPad - (p[1]-minY)*sy // up is up
		pt := mapPoint{X: coord(x), Y: coord(y), Color: noiseColor, Cluster: -1, Href: a.URL}
		title := a.Title
		if title == "" {
			title = a.URL
		}
		if r, ok := rank[a.ClusterID]; ok {
			pt.Color, pt.Cluster = clusters[r].Color, clusters[r].Rank
			pt.Label = "cluster #" + strconv.Itoa(clusters[r].Rank) + ": " + title
			centres[r].x, centres[r].y, centres[r].n = centres[r].x+x, centres[r].y+y, centres[r].n+1
			mv.Clustered++
		} else {
			pt.Label = "not clustered: " + title
			mv.Unclustered++
		}
		mv.Points = append(mv.Points, pt)
	}
	if stride > 1 {
		mv.Drawn = len(mv.Points)
	}
	// Grey first, so coloured points are drawn over them.
	slices.SortStableFunc(mv.Points, func(a, b mapPoint) int {
		return boolInt(a.Cluster >= 0) - boolInt(b.Cluster >= 0)
	})
	for r, c := range centres {
		if c.n > 0 {
			mv.Labels = append(mv.Labels, mapLabel{X: coord(c.x/c.n + 6), Y: coord(c.y/c.n - 6), Text: "#" + strconv.Itoa(clusters[r].Rank)})
		}
	}
	return mv, nil
}

// scale maps a span onto size units; a span of zero (one point, equal
// points) is drawn in the middle.
func scale(lo, hi float64, size int) float64 {
	if hi-lo <= 0 || math.IsInf(hi-lo, 0) {
		return 0
	}
	return float64(size) / (hi - lo)
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Timeline geometry.
const (
	tlH, tlPad, tlLeft, tlBottom = 180, 8, 36, 22
	tlMaxBar                     = 36
	tlMaxDays                    = 120
)

// timelineView is the articles per day per cluster, as stacked bars and
// as a table.
type timelineView struct {
	W, H      int
	Bars      []tlBar
	Days      []tlDay
	MaxN      int
	Undated   int
	Truncated int // earlier days left out past tlMaxDays
	AxisY     string
	BaseY     string
	LabelY    string
}

type tlBar struct {
	X, Y, W, H string
	Color      string
	Title      string
}

type tlDay struct {
	Day       string
	X         string
	ShowLabel bool
	Counts    []int // per cluster, in rank order
	Total     int
}

// buildTimeline counts clustered articles per day and cluster. Days
// without articles between the first and last are kept, so gaps show.
func buildTimeline(arts []news.Article, clusters []clusterRow) timelineView {
	tv := timelineView{H: tlH}
	rank := map[int]int{}
	for i, c := range clusters {
		rank[c.ClusterID] = i
	}
	per := map[string][]int{}
	first, last := "", ""
	for i := range arts {
		r, ok := rank[arts[i].ClusterID]
		if !ok || arts[i].Status != news.StatusOK {
			continue
		}
		d := day(arts[i].SeenDate)
		if d == "" {
			tv.Undated++
			continue
		}
		if per[d] == nil {
			per[d] = make([]int, len(clusters))
		}
		per[d][r]++
		if first == "" || d < first {
			first = d
		}
		last = max(last, d)
	}
	if first == "" {
		return tv
	}
	days, truncated := dayRange(first, last, tlMaxDays)
	tv.Truncated = truncated
	for _, d := range days {
		c := per[d]
		if c == nil {
			c = make([]int, len(clusters))
		}
		t := 0
		for _, n := range c {
			t += n
		}
		tv.Days = append(tv.Days, tlDay{Day: d, Counts: c, Total: t})
		tv.MaxN = max(tv.MaxN, t)
	}
	bw := min(tlMaxBar, 600/len(days))
	tv.W = tlLeft + len(days)*bw + tlPad
	plot := float64(tlH - tlPad - tlBottom)
	base := float64(tlH - tlBottom)
	tv.BaseY, tv.AxisY, tv.LabelY = coord(base), coord(tlPad), coord(base+15)
	every := max(1, (len(days)*40+tv.W-1)/max(1, tv.W-tlLeft)) // room for ~40-unit labels
	for i := range tv.Days {
		d := &tv.Days[i]
		x := float64(tlLeft + i*bw)
		d.X = coord(x + float64(bw)/2)
		d.ShowLabel = i%every == 0
		y := base
		for r, n := range d.Counts {
			if n == 0 {
				continue
			}
			h := plot * float64(n) / float64(tv.MaxN)
			y -= h
			tv.Bars = append(tv.Bars, tlBar{X: coord(x + 1), Y: coord(y), W: coord(float64(bw) - 2), H: coord(h),
				Color: clusters[r].Color, Title: d.Day + ": cluster #" + strconv.Itoa(clusters[r].Rank) + ", " + strconv.Itoa(n) + " article(s)"})
		}
	}
	return tv
}

// dayRange lists the days from first to last (YYYY-MM-DD, both valid),
// at most the last n of them, and how many earlier days it left out.
func dayRange(first, last string, n int) ([]string, int) {
	a, _ := timeParseDay(first)
	b, _ := timeParseDay(last)
	left := 0
	if span := int(b.Sub(a).Hours()/24) + 1; span > n {
		left = span - n
		a = b.AddDate(0, 0, -(n - 1))
	}
	var out []string
	for t := a; !t.After(b); t = t.AddDate(0, 0, 1) {
		out = append(out, t.Format(time.DateOnly))
	}
	return out, left
}
