package demo

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/masx-ai/masx/news"
)

func TestExpectCounts(t *testing.T) {
	xs := Expect("http://127.0.0.1:9")
	for _, tc := range []struct {
		browser bool
		want    map[news.Status]int
	}{
		{true, map[news.Status]int{news.StatusOK: 48, news.StatusDroppedShort: 4, news.StatusFetchFailed: 4, news.StatusBlocked: 1}},
		{false, map[news.Status]int{news.StatusOK: 45, news.StatusDroppedShort: 7, news.StatusFetchFailed: 4, news.StatusBlocked: 1}},
	} {
		got := xs.Counts(tc.browser)
		if len(got) != len(tc.want) {
			t.Errorf("browser=%v: got %v; want %v", tc.browser, got, tc.want)
		}
		for s, n := range tc.want {
			if got[s] != n {
				t.Errorf("browser=%v: %d %s; want %d", tc.browser, got[s], s, n)
			}
		}
	}
	if got, want := xs.Languages(true), []string{"ar", "de", "en", "es", "fr", "ru"}; !slices.Equal(got, want) {
		t.Errorf("languages %v; want %v", got, want)
	}
	if got, want := xs.Stories(false), []string{"blacksea-grain", "kashmir-loc", "redsea-shipping", "sahel-coup", "sudan-corridor", "taiwan-drills"}; !slices.Equal(got, want) {
		t.Errorf("stories %v; want %v", got, want)
	}
	for _, x := range xs {
		if x.Class == ClassFetchFailed && (x.Story != "" || x.Language != "") {
			t.Errorf("%s fails to fetch but has story %q, language %q", x.URL, x.Story, x.Language)
		}
		if x.Class != ClassFetchFailed && (x.Story == "" || x.Language == "") {
			t.Errorf("%s has text but no story or language", x.URL)
		}
		if x.Class != ClassOK && x.Why == "" {
			t.Errorf("%s is %s without a reason", x.URL, x.Class)
		}
	}
	if _, ok := xs.Lookup("http://127.0.0.1:9/nope"); ok {
		t.Error("Lookup found an unknown URL")
	}
	if Class("bogus").Status(true) != "" {
		t.Error("an unknown class maps to a status")
	}
}

func TestScoreKnownValues(t *testing.T) {
	// Values from the definition of the adjusted Rand index (Hubert and
	// Arabie 1985), as scikit-learn's adjusted_rand_score documents them.
	for _, tc := range []struct {
		labels   string
		clusters []int
		ari      float64
		purity   float64
	}{
		{"aabb", []int{0, 0, 1, 1}, 1, 1},
		{"aabb", []int{1, 1, 0, 0}, 1, 1},
		{"aabb", []int{0, 0, 1, 2}, 4.0 / 7, 1},
		{"aabb", []int{0, 1, 0, 1}, -0.5, 0.5},
		{"aaaa", []int{0, 1, 2, 3}, 0, 1},
		{"aabb", []int{0, 0, 0, 0}, 0, 0.5},
		{"aabb", []int{0, 0, -1, -1}, 4.0 / 7, 0.5}, // noise: singletons for ARI, misses for purity
		{"a", []int{0}, 1, 1},
	} {
		var items []labelled
		for i, c := range tc.clusters {
			items = append(items, labelled{"fp", c, string(tc.labels[i])})
		}
		s := score(items)
		if math.Abs(s.ARI-tc.ari) > 1e-12 || math.Abs(s.Purity-tc.purity) > 1e-12 {
			t.Errorf("%s vs %v: got ARI %v, purity %v; want %v, %v", tc.labels, tc.clusters, s.ARI, s.Purity, tc.ari, tc.purity)
		}
	}
	if s := score(nil); s.Articles != 0 || s.Purity != 0 {
		t.Errorf("empty: %+v", s)
	}
	// Cluster IDs are per flashpoint: the same ID in two flashpoints is
	// two clusters.
	s := score([]labelled{{"x", 0, "a"}, {"x", 0, "a"}, {"y", 0, "b"}, {"y", 0, "b"}})
	if s.Clusters != 2 || s.ARI != 1 || s.Purity != 1 {
		t.Errorf("two flashpoints with cluster 0: %+v; want 2 clusters, perfect", s)
	}
}

func TestExpectScore(t *testing.T) {
	base := "http://127.0.0.1:9"
	xs := Expect(base)
	stories := xs.Stories(true)
	var perfect, lumped []news.Article
	for _, fp := range Flashpoints(base) {
		for _, f := range fp.Feeds {
			x, _ := xs.Lookup(f.URL)
			a := news.Article{Feed: f, Status: x.Class.Status(true)}
			if a.Status == news.StatusOK {
				a.ClusterID = slices.Index(stories, x.Story) // any distinct ID per story
			} else {
				a.ClusterID = -1
			}
			perfect = append(perfect, a)
			a.ClusterID = 0
			lumped = append(lumped, a)
		}
	}
	s, err := xs.Score(perfect)
	if err != nil {
		t.Fatal(err)
	}
	if s.Articles != 48 || s.Clusters != 6 || s.Purity != 1 || s.ARI != 1 {
		t.Errorf("perfect run: %s; want 48 articles, 6 clusters, purity 1, ARI 1", s)
	}
	s, err = xs.Score(lumped)
	if err != nil {
		t.Fatal(err)
	}
	if s.Clusters != 3 || s.Purity > 0.6 || s.ARI > 0.6 {
		t.Errorf("one cluster per flashpoint: %s; want 3 clusters, purity 0.5", s)
	}

	bad := slices.Clone(perfect[:1])
	bad[0].URL = base + "/elsewhere"
	if _, err := xs.Score(bad); !errors.Is(err, ErrUnknownURL) {
		t.Errorf("unknown URL: got %v; want ErrUnknownURL", err)
	}
	for _, a := range perfect {
		if x, _ := xs.Lookup(a.URL); x.Class == ClassFetchFailed {
			a.Status = news.StatusOK
			if _, err := xs.Score([]news.Article{a}); err == nil || !strings.Contains(err.Error(), "no article text") {
				t.Errorf("ok article for %s (%s): got %v; want an error", a.URL, x.Why, err)
			}
			break
		}
	}
	wrongFP := slices.Clone(perfect[:1])
	wrongFP[0].FlashpointID = "someone-else"
	if _, err := xs.Score(wrongFP); err == nil || !strings.Contains(err.Error(), "someone-else") {
		t.Errorf("wrong flashpoint: got %v; want an error naming it", err)
	}
	// The redirect target's URL scores like its feed URL.
	for _, x := range xs {
		if x.URL != x.FinalURL && x.Class == ClassOK {
			if _, err := xs.Score([]news.Article{{Feed: news.Feed{URL: x.FinalURL}, Status: news.StatusOK}}); err != nil {
				t.Errorf("final URL of a redirect: %v", err)
			}
		}
	}
}
