package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

var dash = links{}

// fail answers a store error: not found as 404, else a 500 whose cause
// goes to the log only (it may name hosts or SQL).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		d.errorPage(w, r, http.StatusNotFound, what+" not found")
		return
	}
	d.log.Error("dashboard: request failed", "path", r.URL.Path, "err", err)
	d.errorPage(w, r, http.StatusInternalServerError, "internal error; the server log has the cause")
}

func (d *Dashboard) live(p page, live bool) page {
	p.Live, p.Refresh = live, d.cfg.Refresh.Milliseconds()
	return p
}

func (d *Dashboard) runsPage(w http.ResponseWriter, r *http.Request) {
	b, err := loadRuns(r.Context(), d.deps.Store, d.cfg.RunsShown, dash)
	if err != nil {
		d.fail(w, r, "runs", err)
		return
	}
	// Always live: a run submitted elsewhere (the API, another tab)
	// appears without a reload.
	d.render(w, r, http.StatusOK, "runs", d.live(page{Title: "Runs", Body: b}, true))
}

// runOf reads the run named in the path; false when it answered.
func (d *Dashboard) runOf(w http.ResponseWriter, r *http.Request) (news.Run, bool) {
	id := r.PathValue("run")
	if !jobs.ValidRunID(id) {
		d.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("run %.40q not found (not a valid run ID)", id))
		return news.Run{}, false
	}
	run, err := d.deps.Store.GetRun(r.Context(), id)
	if err != nil {
		d.fail(w, r, fmt.Sprintf("run %q", id), err)
		return run, false
	}
	return run, true
}

func (d *Dashboard) runPage(w http.ResponseWriter, r *http.Request) {
	run, ok := d.runOf(w, r)
	if !ok {
		return
	}
	b, err := loadRun(r.Context(), d.deps.Store, run.ID, dash)
	if err != nil {
		d.fail(w, r, "run", err)
		return
	}
	p := page{Title: "Run " + run.ID, Body: b, Crumbs: []crumb{{"Runs", "/"}, {"Run " + run.ID, ""}}}
	d.render(w, r, http.StatusOK, "run", d.live(p, b.Live))
}

// flashpointOf reads the run and flashpoint named in the path.
func (d *Dashboard) flashpointOf(w http.ResponseWriter, r *http.Request, id string) (news.Run, news.Flashpoint, news.FlashpointState, bool) {
	run, ok := d.runOf(w, r)
	if !ok {
		return run, news.Flashpoint{}, news.FlashpointState{}, false
	}
	ctx := r.Context()
	fps, err := d.deps.Store.Flashpoints(ctx, run.ID)
	if err != nil {
		d.fail(w, r, "run", err)
		return run, news.Flashpoint{}, news.FlashpointState{}, false
	}
	for _, fp := range fps {
		if fp.ID != id {
			continue
		}
		states, err := d.deps.Store.FlashpointStates(ctx, run.ID)
		if err != nil {
			d.fail(w, r, "run", err)
			return run, fp, news.FlashpointState{}, false
		}
		var st news.FlashpointState
		for _, s := range states {
			if s.ID == id {
				st = s
			}
		}
		return run, fp, st, true
	}
	d.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("flashpoint %.80q is not in run %q", id, run.ID))
	return run, news.Flashpoint{}, news.FlashpointState{}, false
}

func (d *Dashboard) flashpointPage(w http.ResponseWriter, r *http.Request) {
	run, fp, st, ok := d.flashpointOf(w, r, r.PathValue("fp"))
	if !ok {
		return
	}
	b, err := loadFlashpoint(r.Context(), d.deps.Store, run, fp, st, dash, d.cfg.PageSize)
	if err != nil {
		d.fail(w, r, "flashpoint", err)
		return
	}
	p := page{Title: fp.Title, Body: b, Crumbs: []crumb{{"Runs", "/"}, {"Run " + run.ID, dash.run(run.ID)}, {fp.Title, ""}}}
	d.render(w, r, http.StatusOK, "flashpoint", d.live(p, !st.State.Finished()))
}

// pageNumber reads ?page=, 1 when absent or bad.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func (d *Dashboard) clusterPage(w http.ResponseWriter, r *http.Request) {
	run, fp, st, ok := d.flashpointOf(w, r, r.PathValue("fp"))
	if !ok {
		return
	}
	cid, err := strconv.Atoi(r.PathValue("cluster"))
	if err != nil {
		d.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("cluster %.20q not found: want a cluster number", r.PathValue("cluster")))
		return
	}
	ctx := r.Context()
	arts, err := d.deps.Store.Articles(ctx, store.ArticleQuery{RunID: run.ID, FlashpointID: fp.ID, Statuses: []news.Status{news.StatusOK}, OmitText: true})
	if err != nil {
		d.fail(w, r, "flashpoint", err)
		return
	}
	cs, err := d.deps.Store.Clusters(ctx, store.ClusterQuery{RunID: run.ID, FlashpointID: fp.ID})
	if err != nil {
		d.fail(w, r, "flashpoint", err)
		return
	}
	fb := flashpointBody{Run: run, FP: fp, State: st, Href: dash.flashpoint(run.ID, fp.ID)}
	rows := rankClusters(fp.ID, cs, arts, func(c int) string { return dash.cluster(run.ID, fp.ID, c) })
	var b clusterBody
	found := false
	for _, c := range rows {
		if c.ClusterID == cid {
			b.Cluster, found = c, true
		}
	}
	if !found {
		d.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("cluster %d is not in flashpoint %q of run %q", cid, fp.ID, run.ID))
		return
	}
	var members []int
	for i := range arts {
		if arts[i].ClusterID == cid {
			members = append(members, i)
		}
	}
	href := dash.cluster(run.ID, fp.ID, cid)
	b.FP = fb
	b.Pager = newPager(len(members), pageNumber(r), d.cfg.PageSize, func(p int) string { return href + "?page=" + strconv.Itoa(p) })
	for _, i := range members[b.Pager.lo:b.Pager.hi] {
		b.Articles = append(b.Articles, articleRowOf(&arts[i]))
	}
	name := "Cluster #" + strconv.Itoa(b.Cluster.Rank)
	p := page{Title: name + " · " + fp.Title, Body: b,
		Crumbs: []crumb{{"Runs", "/"}, {"Run " + run.ID, dash.run(run.ID)}, {fp.Title, fb.Href}, {name, ""}}}
	d.render(w, r, http.StatusOK, "cluster", p)
}

func (d *Dashboard) missingPage(w http.ResponseWriter, r *http.Request) {
	run, ok := d.runOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	b := missingBody{Run: run, RunHref: dash.run(run.ID)}
	fpID := q.Get("flashpoint")
	crumbs := []crumb{{"Runs", "/"}, {"Run " + run.ID, b.RunHref}}
	if fpID != "" {
		_, fp, _, ok := d.flashpointOf(w, r, fpID)
		if !ok {
			return
		}
		b.FP = &fp
		crumbs = append(crumbs, crumb{fp.Title, dash.flashpoint(run.ID, fp.ID)})
	}
	crumbs = append(crumbs, crumb{"Did not make it", ""})
	only := news.Status(q.Get("status"))
	arts, err := d.deps.Store.Articles(r.Context(), store.ArticleQuery{RunID: run.ID, FlashpointID: fpID, OmitText: true})
	if err != nil {
		d.fail(w, r, "run", err)
		return
	}
	href := func(s news.Status, pg int) string { return dash.missing(run.ID, fpID, s, pg) }
	counts := map[news.Status]int{}
	for i := range arts {
		if arts[i].Status != news.StatusOK {
			counts[arts[i].Status]++
		}
		// The vectors are not shown here; drop them early.
		arts[i].Embedding = nil
	}
	b.Statuses = statusCounts(counts, func(s news.Status) string { return href(s, 0) })
	b.AllHref = href("", 0)
	b.Groups = groupMissing(fpID, arts, href, only, pageNumber(r), d.cfg.PageSize)
	d.render(w, r, http.StatusOK, "missing", page{Title: "Articles that did not make it", Body: b, Crumbs: crumbs})
}

type submitBody struct {
	Error, Field               string
	RunID, Date, FlashpointIDs string
	MaxBytes                   int64
}

func (d *Dashboard) submitPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "submit", page{Title: "Submit a run", Body: submitBody{MaxBytes: d.cfg.MaxUploadBytes},
		Crumbs: []crumb{{"Runs", "/"}, {"Submit a run", ""}}})
}

// submitPost reads the form (CSRF token first), turns it into the API's
// RunRequest and submits it through the API's own Submit: the same
// validation, the same queue bound, the same answers.
func (d *Dashboard) submitPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, d.cfg.MaxUploadBytes)
	body := submitBody{MaxBytes: d.cfg.MaxUploadBytes}
	again := func(code int, p api.Problem) {
		body.Error, body.Field = p.Message, p.Field
		if p.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(p.RetryAfter.Seconds())))
		}
		d.render(w, r, code, "submit", page{Title: "Submit a run", Body: body, Crumbs: []crumb{{"Runs", "/"}, {"Submit a run", ""}}})
	}
	if err := r.ParseMultipartForm(d.cfg.MaxUploadBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			again(http.StatusRequestEntityTooLarge, api.Problem{Field: "file", Message: fmt.Sprintf("the form is larger than %d bytes (the limit); send fewer flashpoints per run", tooBig.Limit)})
			return
		}
		if !errors.Is(err, http.ErrNotMultipart) {
			again(http.StatusBadRequest, api.Problem{Message: "the form could not be read: " + err.Error()})
			return
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if !d.checkCSRF(r) {
		d.errorPage(w, r, http.StatusForbidden, "missing or wrong CSRF token: reload the form and send it again")
		return
	}
	body.RunID, body.Date = strings.TrimSpace(r.PostFormValue("run_id")), strings.TrimSpace(r.PostFormValue("date"))
	body.FlashpointIDs = r.PostFormValue("flashpoint_ids")
	req := api.RunRequest{RunID: body.RunID, Date: body.Date}
	for _, id := range strings.Split(body.FlashpointIDs, ",") {
		if id = strings.TrimSpace(id); id != "" {
			req.FlashpointIDs = append(req.FlashpointIDs, id)
		}
	}
	if f, fh, err := r.FormFile("file"); err == nil {
		data, rerr := io.ReadAll(f)
		_ = f.Close()
		if rerr != nil {
			again(http.StatusBadRequest, api.Problem{Field: "file", Message: "reading the uploaded file: " + rerr.Error()})
			return
		}
		if len(data) > 0 {
			req.Input, req.InputName, req.InputFormat = json.RawMessage(data), fh.Filename, input.FormatAuto
		}
	}
	acc, err := d.deps.Server.Submit(r.Context(), req)
	if err != nil {
		p := d.deps.Server.Problem(r, err)
		again(p.Code, p)
		return
	}
	http.Redirect(w, r, dash.run(acc.RunID), http.StatusSeeOther)
}
