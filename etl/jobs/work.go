package jobs

import (
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
)

// WorkOf turns one streamed input item into pipeline work; its dropped
// feeds travel with it, so they are stored with their status and reason.
func WorkOf(it input.Item) pipeline.Work {
	w := pipeline.Work{Flashpoint: it.Flashpoint}
	w.Dropped = appendDropped(w.Dropped, it.Duplicates, news.StatusDuplicate)
	w.Dropped = appendDropped(w.Dropped, it.Invalid, news.StatusInvalid)
	return w
}

func appendDropped(out []pipeline.Dropped, ds []input.Dropped, s news.Status) []pipeline.Dropped {
	for _, d := range ds {
		out = append(out, pipeline.Dropped{Feed: d.Feed, Status: s, Reason: d.Problem.Error()})
	}
	return out
}

// WorksFrom regroups a loaded input's dropped feeds under their
// flashpoints, as a streamed input delivers them.
func WorksFrom(res *input.Result) []pipeline.Work {
	dups, invalid := map[string][]input.Dropped{}, map[string][]input.Dropped{}
	for _, d := range res.Duplicates {
		dups[d.FlashpointID] = append(dups[d.FlashpointID], d)
	}
	for _, d := range res.Invalid {
		invalid[d.FlashpointID] = append(invalid[d.FlashpointID], d)
	}
	out := make([]pipeline.Work, 0, len(res.Flashpoints))
	for _, fp := range res.Flashpoints {
		out = append(out, WorkOf(input.Item{Flashpoint: fp, Duplicates: dups[fp.ID], Invalid: invalid[fp.ID]}))
	}
	return out
}
