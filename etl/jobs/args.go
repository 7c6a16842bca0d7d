package jobs

import (
	"fmt"

	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
)

// KindFlashpoint is the River job kind of FlashpointArgs.
const KindFlashpoint = "masx_flashpoint"

// ArgsVersion is the version of the FlashpointArgs payload this code
// writes. Rows written before the payload had a version decode with V 0;
// their shape is version 1's.
const ArgsVersion = 1

// FlashpointArgs is one flashpoint of one run attempt: the payload River
// stores in its job table. It is its own type, not pipeline.Work, so that
// changing an in-memory struct cannot change, or break the decoding of,
// rows already stored. Its JSON names are those rows' names, field for
// field; a change to them needs a new ArgsVersion and a decoder for the
// old one.
//
// RunID, FlashpointID and Attempt form the unique key: while such a job is
// queued, running or completed, inserting it again is a no-op, so a
// flashpoint is never queued twice for one attempt. A resumed run
// (ResumeRun) gets a new attempt number, so its jobs are new, and leftover
// jobs of the earlier attempt end at once when they see they are
// superseded.
type FlashpointArgs struct {
	// V is the payload version (ArgsVersion); 0 in rows written before
	// it existed.
	V            int    `json:"v,omitempty"`
	RunID        string `json:"run_id" river:"unique"`
	FlashpointID string `json:"flashpoint_id" river:"unique"`
	Attempt      int    `json:"attempt" river:"unique"`
	// Work carries the flashpoint with its feeds, so a worker on another
	// machine needs nothing but the database.
	Work payloadWork `json:"work"`
	// MASXDate, when set (YYYY-MM-DD), also writes the flashpoint's
	// clusters to the MASX table news_clusters_YYYYMMDD.
	MASXDate string `json:"masx_date,omitempty"`
}

// Kind implements river.JobArgs.
func (FlashpointArgs) Kind() string { return KindFlashpoint }

// payloadWork is pipeline.Work as stored. The capitalised names are those
// encoding/json gave pipeline.Work's untagged fields when rows embedded it.
type payloadWork struct {
	Flashpoint payloadFlashpoint `json:"Flashpoint"`
	Dropped    []payloadDropped  `json:"Dropped"`
}

// payloadFlashpoint is news.Flashpoint as stored.
type payloadFlashpoint struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description,omitempty"`
	Entities    []string      `json:"entities,omitempty"`
	Domains     []string      `json:"domains,omitempty"`
	Feeds       []payloadFeed `json:"feeds,omitempty"`
}

// payloadFeed is news.Feed as stored.
type payloadFeed struct {
	ID            string `json:"id,omitempty"`
	FlashpointID  string `json:"flashpoint_id,omitempty"`
	URL           string `json:"url"`
	Title         string `json:"title"`
	SeenDate      string `json:"seendate,omitempty"`
	Domain        string `json:"domain,omitempty"`
	Language      string `json:"language,omitempty"`
	SourceCountry string `json:"sourcecountry,omitempty"`
	Description   string `json:"description,omitempty"`
	Image         string `json:"image,omitempty"`
}

// payloadDropped is pipeline.Dropped as stored.
type payloadDropped struct {
	Feed   payloadFeed `json:"Feed"`
	Status string      `json:"Status"`
	Reason string      `json:"Reason"`
}

// argsOf is the payload of the job for w in attempt attempt of run runID.
func argsOf(runID string, attempt int, w pipeline.Work, masxDate string) FlashpointArgs {
	fp := w.Flashpoint
	pw := payloadWork{Flashpoint: payloadFlashpoint{
		ID: fp.ID, Title: fp.Title, Description: fp.Description,
		Entities: fp.Entities, Domains: fp.Domains, Feeds: feedsOf(fp.Feeds),
	}}
	for _, d := range w.Dropped {
		pw.Dropped = append(pw.Dropped, payloadDropped{Feed: feedOf(d.Feed), Status: string(d.Status), Reason: d.Reason})
	}
	return FlashpointArgs{V: ArgsVersion, RunID: runID, FlashpointID: fp.ID, Attempt: attempt, Work: pw, MASXDate: masxDate}
}

// work decodes the payload's work. A payload newer than this code is an
// error a retry can fix: the job waits for a worker that knows it.
func (a FlashpointArgs) work() (pipeline.Work, error) {
	if a.V > ArgsVersion {
		return pipeline.Work{}, fmt.Errorf("job payload version %d is newer than this worker's %d: upgrade the worker", a.V, ArgsVersion)
	}
	p := a.Work.Flashpoint
	w := pipeline.Work{Flashpoint: news.Flashpoint{
		ID: p.ID, Title: p.Title, Description: p.Description,
		Entities: p.Entities, Domains: p.Domains, Feeds: feedsFrom(p.Feeds),
	}}
	for _, d := range a.Work.Dropped {
		w.Dropped = append(w.Dropped, pipeline.Dropped{Feed: feedFrom(d.Feed), Status: news.Status(d.Status), Reason: d.Reason})
	}
	return w, nil
}

func feedsOf(fs []news.Feed) []payloadFeed {
	if fs == nil {
		return nil
	}
	out := make([]payloadFeed, len(fs))
	for i, f := range fs {
		out[i] = feedOf(f)
	}
	return out
}

func feedsFrom(fs []payloadFeed) []news.Feed {
	if fs == nil {
		return nil
	}
	out := make([]news.Feed, len(fs))
	for i, f := range fs {
		out[i] = feedFrom(f)
	}
	return out
}

func feedOf(f news.Feed) payloadFeed {
	return payloadFeed{
		ID: f.ID, FlashpointID: f.FlashpointID, URL: f.URL, Title: f.Title, SeenDate: f.SeenDate, Domain: f.Domain,
		Language: f.Language, SourceCountry: f.SourceCountry, Description: f.Description, Image: f.Image,
	}
}

func feedFrom(f payloadFeed) news.Feed {
	return news.Feed{
		ID: f.ID, FlashpointID: f.FlashpointID, URL: f.URL, Title: f.Title, SeenDate: f.SeenDate, Domain: f.Domain,
		Language: f.Language, SourceCountry: f.SourceCountry, Description: f.Description, Image: f.Image,
	}
}
