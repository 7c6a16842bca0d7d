package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/cluster"
	"github.com/masx-ai/masx/store"
)

// unclusteredArticle is an ok article that fits no story: the clustering
// left it out (cluster ID −1) instead of forcing it into one.
type unclusteredArticle struct {
	FlashpointID string `json:"flashpoint_id"`
	URL          string `json:"url"`
	Title        string `json:"title"`
}

// unclustered lists a run's unclustered ok articles (of one flashpoint
// when fpID is set), paging through the store without the texts.
func unclustered(ctx context.Context, st store.Store, runID, fpID string) ([]unclusteredArticle, error) {
	const page = 1000
	var out []unclusteredArticle
	for off := 0; ; off += page {
		as, err := st.Articles(ctx, store.ArticleQuery{RunID: runID, FlashpointID: fpID, Statuses: []news.Status{news.StatusOK},
			OmitText: true, Limit: page, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("listing unclustered articles: %w", err)
		}
		for _, a := range as {
			if a.ClusterID == cluster.Noise {
				out = append(out, unclusteredArticle{FlashpointID: a.FlashpointID, URL: a.URL, Title: a.Title})
			}
		}
		if len(as) < page {
			return out, nil
		}
	}
}

// printUnclustered lists the unclustered articles of one flashpoint.
func printUnclustered(w io.Writer, us []unclusteredArticle, fpID string) {
	var mine []unclusteredArticle
	for _, u := range us {
		if u.FlashpointID == fpID {
			mine = append(mine, u)
		}
	}
	if len(mine) == 0 {
		return
	}
	fmt.Fprintf(w, "\n  unclustered: %d articles fit no story\n", len(mine))
	for _, u := range mine {
		fmt.Fprintf(w, "    - %s\n", u.URL)
	}
}
