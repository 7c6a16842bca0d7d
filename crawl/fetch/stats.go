package fetch

import "sync/atomic"

// Stats counts what a Fetcher has done since New. Counters only grow.
type Stats struct {
	Fetches          int64 // Fetch calls
	Succeeded        int64 // Fetch calls that returned a page
	Failed           int64 // Fetch calls that returned an error
	Attempts         int64 // page requests, retries included
	Retries          int64 // attempts after the first
	Redirects        int64 // redirects followed
	Blocked          int64 // fetches refused by the SSRF guard
	RobotsDisallowed int64 // fetches refused by robots.txt
	RobotsFetches    int64 // robots.txt requests
	Bytes            int64 // UTF-8 page bytes returned
}

type counters struct {
	fetches, succeeded, failed, attempts, retries, redirects atomic.Int64
	blocked, robotsDisallowed, robotsFetches, bytes          atomic.Int64
}

// Stats returns a snapshot of the counters.
func (f *Fetcher) Stats() Stats {
	c := &f.stats
	return Stats{
		Fetches:          c.fetches.Load(),
		Succeeded:        c.succeeded.Load(),
		Failed:           c.failed.Load(),
		Attempts:         c.attempts.Load(),
		Retries:          c.retries.Load(),
		Redirects:        c.redirects.Load(),
		Blocked:          c.blocked.Load(),
		RobotsDisallowed: c.robotsDisallowed.Load(),
		RobotsFetches:    c.robotsFetches.Load(),
		Bytes:            c.bytes.Load(),
	}
}
