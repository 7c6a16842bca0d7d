package jobs

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// goldenArgs is a job payload as the code before ArgsVersion wrote it
// (FlashpointArgs embedded pipeline.Work), captured by marshalling that
// type. Rows of this shape sit in job tables today; they must decode.
const goldenArgs = `{"run_id":"run-20250601-060000-ab12cd","flashpoint_id":"fp-1","attempt":2,"work":{"Flashpoint":{"id":"fp-1","title":"Strait of Hormuz","description":"Shipping lane tension","entities":["Iran","Oman"],"domains":["news.example","wire.example"],"feeds":[{"id":"feed-a","flashpoint_id":"fp-1","url":"https://news.example/a","title":"Title a","seendate":"20250601T060000Z","domain":"news.example","language":"English","sourcecountry":"France","description":"Desc a","image":"https://news.example/a.jpg"},{"id":"feed-b","flashpoint_id":"fp-1","url":"https://news.example/b","title":"Title b","seendate":"20250601T060000Z","domain":"news.example","language":"English","sourcecountry":"France","description":"Desc b","image":"https://news.example/b.jpg"}]},"Dropped":[{"Feed":{"id":"feed-c","flashpoint_id":"fp-1","url":"https://news.example/c","title":"Title c","seendate":"20250601T060000Z","domain":"news.example","language":"English","sourcecountry":"France","description":"Desc c","image":"https://news.example/c.jpg"},"Status":"duplicate","Reason":"same URL as feed-a"},{"Feed":{"url":"ftp://bad","title":"Bad"},"Status":"invalid","Reason":"url: want http or https"}]},"masx_date":"2025-06-01"}`

// goldenWork is the work goldenArgs was marshalled from.
func goldenWork() pipeline.Work {
	feed := func(n string) news.Feed {
		return news.Feed{ID: "feed-" + n, FlashpointID: "fp-1", URL: "https://news.example/" + n, Title: "Title " + n,
			SeenDate: "20250601T060000Z", Domain: "news.example", Language: "English", SourceCountry: "France",
			Description: "Desc " + n, Image: "https://news.example/" + n + ".jpg"}
	}
	return pipeline.Work{
		Flashpoint: news.Flashpoint{ID: "fp-1", Title: "Strait of Hormuz", Description: "Shipping lane tension",
			Entities: []string{"Iran", "Oman"}, Domains: []string{"news.example", "wire.example"}, Feeds: []news.Feed{feed("a"), feed("b")}},
		Dropped: []pipeline.Dropped{
			{Feed: feed("c"), Status: news.StatusDuplicate, Reason: "same URL as feed-a"},
			{Feed: news.Feed{URL: "ftp://bad", Title: "Bad"}, Status: news.StatusInvalid, Reason: "url: want http or https"},
		},
	}
}

func TestArgsDecodeRowsOfTheEarlierShape(t *testing.T) {
	t.Parallel()
	var a FlashpointArgs
	require.NoError(t, json.Unmarshal([]byte(goldenArgs), &a))
	require.Zero(t, a.V, "rows written before the version carry none")
	require.Equal(t, "run-20250601-060000-ab12cd", a.RunID)
	require.Equal(t, "fp-1", a.FlashpointID)
	require.Equal(t, 2, a.Attempt)
	require.Equal(t, "2025-06-01", a.MASXDate)
	w, err := a.work()
	require.NoError(t, err)
	require.Equal(t, goldenWork(), w, "every field of the flashpoint, its feeds and its dropped feeds")

	// A row without dropped feeds, as Submit wrote most of them.
	const plain = `{"run_id":"r","flashpoint_id":"f","attempt":1,"work":{"Flashpoint":{"id":"f","title":"T"},"Dropped":null}}`
	var p FlashpointArgs
	require.NoError(t, json.Unmarshal([]byte(plain), &p))
	w, err = p.work()
	require.NoError(t, err)
	require.Equal(t, pipeline.Work{Flashpoint: news.Flashpoint{ID: "f", Title: "T"}}, w)
}

// New rows are the earlier shape plus "v", so a worker of the earlier code
// (which ignores unknown fields) still reads them.
func TestArgsEncodeTheEarlierShapePlusVersion(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(argsOf("run-20250601-060000-ab12cd", 2, goldenWork(), "2025-06-01"))
	require.NoError(t, err)
	var got, want map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.NoError(t, json.Unmarshal([]byte(goldenArgs), &want))
	require.EqualValues(t, ArgsVersion, got["v"])
	delete(got, "v")
	require.Equal(t, want, got)
}

// Every field of the in-memory types survives the payload. A field added
// to news.Flashpoint, news.Feed or pipeline.Dropped fails here until the
// payload carries it (with a new ArgsVersion if old rows cannot).
func TestArgsCarryEveryField(t *testing.T) {
	t.Parallel()
	var w pipeline.Work
	n := 0
	fill(reflect.ValueOf(&w).Elem(), &n)
	b, err := json.Marshal(argsOf(w.Flashpoint.ID, 3, w, ""))
	require.NoError(t, err)
	var a FlashpointArgs
	require.NoError(t, json.Unmarshal(b, &a))
	got, err := a.work()
	require.NoError(t, err)
	require.Equal(t, w, got)
}

// fill sets every field reachable from v to a distinct non-zero value;
// slices get two elements.
func fill(v reflect.Value, n *int) {
	switch v.Kind() {
	case reflect.String:
		*n++
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Int, reflect.Int64:
		*n++
		v.SetInt(int64(*n))
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	default:
		panic("fill: add a case for " + v.Kind().String())
	}
}

func TestArgsOfANewerVersionAreRetried(t *testing.T) {
	t.Parallel()
	_, err := FlashpointArgs{V: ArgsVersion + 1}.work()
	require.ErrorContains(t, err, "upgrade the worker")
	require.False(t, permanent(err), "another worker may know the version")
}

// earlierShape is a job whose stored args are given as raw JSON, to put
// rows of the earlier payload shape in the job table.
type earlierShape json.RawMessage

func (earlierShape) Kind() string                   { return KindFlashpoint }
func (e earlierShape) MarshalJSON() ([]byte, error) { return e, nil }

// Rows of the earlier shape already in the job table are worked to the
// end: the run completes with every article stored once.
func TestRowsOfTheEarlierShapeAreWorked(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 8, Flashpoints: 2, Topics: 1})
	ctx := context.Background()
	// The run and its flashpoints, with its own jobs parked on a queue
	// nobody works.
	ins := newJobs(t, Config{Queue: "parked"}, Deps{Store: st})
	sub, err := ins.Submit(ctx, news.Run{ID: "old"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	var params []river.InsertManyParams
	for _, w := range s.works() {
		fp, err := json.Marshal(w.Flashpoint)
		require.NoError(t, err)
		raw := `{"run_id":"old","flashpoint_id":` + strconv.Quote(w.Flashpoint.ID) + `,"attempt":` + strconv.Itoa(sub.Run.Attempt) +
			`,"work":{"Flashpoint":` + string(fp) + `,"Dropped":null}}`
		params = append(params, river.InsertManyParams{Args: earlierShape(raw), InsertOpts: &river.InsertOpts{Queue: QueueDefault}})
	}
	_, err = ins.client.InsertMany(ctx, params)
	require.NoError(t, err)

	j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: newPipeline(t, st)})
	require.NoError(t, j.Start(ctx))
	r := waitRun(t, st, "old")
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	checkOnce(t, st, "old", s)
	cs, err := st.Clusters(ctx, store.ClusterQuery{RunID: "old"})
	require.NoError(t, err)
	require.NotEmpty(t, cs)
}
