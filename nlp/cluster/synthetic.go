package cluster

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// GaussianBlobs returns n points in dim dimensions drawn around centers
// centres (uniform in [−10, 10] per coordinate) with standard deviation
// spread, and the index of each point's centre. Points are assigned to
// centres round-robin. The same seed gives the same points; it feeds
// `masx bench cluster`, the benchmarks and the tests.
func GaussianBlobs(n, dim, centers int, spread float64, seed uint64) ([][]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 0x6d617378626c6f62)) // "masxblob"
	centers = max(centers, 1)
	c := make([][]float64, centers)
	for i := range c {
		c[i] = make([]float64, dim)
		for j := range c[i] {
			c[i][j] = rng.Float64()*20 - 10
		}
	}
	points := make([][]float32, n)
	truth := make([]int, n)
	flat := make([]float32, n*dim)
	for i := range points {
		k := i % centers
		p := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range p {
			p[j] = float32(c[k][j] + spread*rng.NormFloat64())
		}
		points[i], truth[i] = p, k
	}
	return points, truth
}

// SyntheticArticle is one article of [TwoEvents]: its title, text and the
// event it reports (0 or 1).
type SyntheticArticle struct {
	Title, Text string
	Event       int
}

// eventKind is a kind of news event: sentence templates with slots for
// the actor ({A}), the place ({P}), the date ({D}) and two numbers ({N},
// {M}) of one event.
type eventKind struct {
	titles, sentences []string
}

var eventKinds = []eventKind{
	{
		titles: []string{"Earthquake strikes {P}", "{N} dead after quake near {P}", "{A} visits quake zone in {P}"},
		sentences: []string{
			"A strong earthquake struck near {P} on {D}, collapsing buildings across the region.",
			"Rescue teams searched the rubble through the night as aftershocks shook {P}.",
			"At least {N} people were killed and {M} injured, officials said.",
			"{A} promised emergency funds and said the government would rebuild every damaged home.",
			"The quake was felt in neighbouring provinces, where schools were closed as a precaution.",
			"Hospitals in {P} called for blood donations as the number of injured rose to {M}.",
			"Seismologists said the tremor of {D} was the strongest in the area for decades.",
			"{A} said rescuers would keep searching for survivors under the collapsed buildings.",
		},
	},
	{
		titles: []string{"Workers strike in {P}", "{A} rejects union demands", "Strike shuts factories in {P}"},
		sentences: []string{
			"Thousands of workers walked out in {P} on {D}, demanding higher wages.",
			"The union said {N} factories had stopped production and {M} workers had joined the strike.",
			"{A} called the strike illegal and urged workers to return to their jobs.",
			"Police lined the streets of {P} as marchers chanted against the government.",
			"Talks between the union and employers broke down late on {D}.",
			"Ports and railways in {P} were also affected, delaying exports.",
			"{A} offered a raise of {N} percent, which union leaders rejected.",
			"Economists warned that a long strike would hurt growth this quarter.",
		},
	},
}

// eventCast is who, where and when one event happened.
type eventCast struct {
	actor, place, date string
	n, m               int
}

var (
	syntheticActors = []string{"Governor Ahmet Yilmaz", "Mayor Camila Soto", "Minister Ingrid Halvorsen", "President Kwame Mensah", "Premier Lukas Novak", "Chancellor Aiko Tanaka"}
	syntheticPlaces = []string{"Izmir", "Valparaiso", "Bergen", "Kumasi", "Brno", "Sendai"}
	syntheticDates  = []string{"March 3", "June 14", "September 21", "November 8", "January 27", "July 30"}
)

// TwoEvents returns n articles about two different events of the same
// kind (kind 0: earthquakes, 1: strikes), alternating between them. Both
// events draw their sentences from one set of templates, so the articles
// share almost all their vocabulary; they differ only in who, where, when
// and how many. This is the hard case of one flashpoint: two stories of
// the same kind that bag-of-words clustering tends to merge or to split
// by template instead of by event. The same seed gives the same articles.
func TwoEvents(n, kind int, seed uint64) []SyntheticArticle {
	rng := rand.New(rand.NewPCG(seed, 0x6d61737832657674)) // "masx2evt"
	k := eventKinds[((kind%len(eventKinds))+len(eventKinds))%len(eventKinds)]
	perm := rng.Perm(len(syntheticActors))
	casts := [2]eventCast{}
	for e := range casts {
		casts[e] = eventCast{actor: syntheticActors[perm[e]], place: syntheticPlaces[perm[e]], date: syntheticDates[perm[e]],
			n: 10 + rng.IntN(90), m: 100 + rng.IntN(900)}
	}
	out := make([]SyntheticArticle, n)
	for i := range out {
		c := casts[i%2]
		fill := strings.NewReplacer("{A}", c.actor, "{P}", c.place, "{D}", c.date,
			"{N}", strconv.Itoa(c.n), "{M}", strconv.Itoa(c.m))
		var text []string
		for _, j := range rng.Perm(len(k.sentences))[:4+rng.IntN(3)] {
			text = append(text, fill.Replace(k.sentences[j]))
		}
		out[i] = SyntheticArticle{Title: fill.Replace(k.titles[rng.IntN(len(k.titles))]), Text: strings.Join(text, " "), Event: i % 2}
	}
	return out
}
