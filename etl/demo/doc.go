// Package demo holds the news sites masx runs on when nothing outside may
// be reached: a bundled site of hand-written articles for `masx demo` and
// end-to-end tests, whose correct outcome is known ([Expect]), and a
// generated site of any size for benchmarks and memory tests
// ([Synthetic]). Both are plain http.Handlers; [Start] and [Serve] put one
// on a loopback port with an owned lifecycle.
//
// # The bundled site
//
// Fifty-seven feed entries from nine fictional outlets (four English, one
// each French, Spanish, German, Arabic, Russian), on three flashpoints of
// two stories each. Every story is fictional and every page says so;
// articles of one story share names, places, numbers and dates, so they
// cluster:
//
//	Maritime chokepoints under attack
//	  blacksea-grain   grain ship Marisol Star hits a mine off Odesa       8 articles (en 5, ru 2, de 1)
//	  redsea-shipping  container ship Kestrel Bay attacked near Hodeidah   8 articles (en 5, ar 2, fr 1)
//	Coup in the Sahel and war in Sudan
//	  sahel-coup       coup in (fictional) Ouassada, ECOWAS sanctions     8 articles (en 4, fr 3, es 1)
//	  sudan-corridor   72-hour pause for a UN convoy from Adré to Darfur   8 articles (en 5, ar 2, es 1)
//	Military standoffs in Asia
//	  taiwan-drills    Eastern Sword-25 drills around Taiwan               8 articles (en 5, de 2, es 1)
//	  kashmir-loc      14 hours of firing on the Line of Control          8 articles (en 5, fr 1, de 1, ru 1)
//
// Article pages are 6–9 KB of HTML with what extraction must remove
// (cookie banner, navigation, advertising slots, related links, footer)
// around 1,600–2,100 characters of text in 6–8 paragraphs. Around them sit
// the entries a pipeline must get right ([Class]):
//
//	needs_browser  3  an inline script inserts the body 200 ms after load; static text < 1,000 characters
//	dropped_short  4  under 500 characters of article text
//	fetch_failed   4  404, 500, a connection reset (SO_LINGER 0), a PDF
//	blocked        1  under /private/, which robots.txt disallows
//	ok (redirect)  1  the feed URL answers 301 to the article
//
// With a browser a correct run ends 48 ok, 4 dropped_short, 4 fetch_failed,
// 1 blocked; over HTTP only, the three JavaScript pages end dropped_short
// (45 / 7 / 4 / 1). The languages found must be ar, de, en, es, fr, ru.
// [Expectations.Score] compares a run's clusters with the story labels
// (purity and adjusted Rand index). The pipeline's own vectors separate
// the stories completely: TF-IDF/LSA (nlp/vectorize) on the body text,
// non-English text compressed and left untranslated as the pipeline does
// without a translation model, then k-means with k = 2 per flashpoint,
// give purity 1.0 and ARI 1.0 (TestBundledStoriesSeparate); non-English
// articles find their story through Latin-script names and Western digits.
//
// The pipeline must be allowed to fetch from loopback (MASX_ALLOW_PRIVATE)
// and, to honour the blocked entry, keep MASX_RESPECT_ROBOTS on. All pages
// come from one host, so MASX_HOST_DELAY_MS paces the whole demo; Feed.Domain
// names the fictional outlet ("meridian-post.example") so cluster
// top_domains read like a real run's.
//
// # The synthetic site
//
// [SyntheticSite] derives every page from its index and the seed when it is
// asked for, so it holds nothing per article: a 10-million-article site
// costs under 64 KiB, and serving thousands of pages leaves the heap where
// it was (TestSyntheticMemoryFlat). Articles are split into flashpoints of
// consecutive indices and, within each, into Topics interleaved stories;
// each story has its own theme vocabulary (16 themes: strikes, floods,
// elections, …), invented place, person and organisation names and a
// recurring figure, set in shared English sentence frames, so clustering
// has real structure to find (purity 1.0, ARI 1.0 for 4 topics of 30
// articles in TestSyntheticTopicsSeparate). Options.Latency makes a slow
// site; Options.PageBytes pads pages with a script blob, as many news
// sites carry, without making the article longer. Options.Clutter gives
// each page a real article page's weight and shape instead (style sheet,
// menus, comments, sidebar, scripts), for `masx bench render`.
// [SyntheticSite.WriteJSONL] streams the feeds of any number of articles.
//
// # Costs
//
// Generating a page costs far less than fetching and processing it, so the
// generator never limits the pipeline under test (the benchmarks' figures
// are in docs/performance.md).
package demo
