package courses

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/ple/feedpoll"
)

// feed200 is a 200-item RSS course feed of realistic size: a few
// paragraphs of HTML per task, categories, dates, a due date.
func feed200() []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:cairn="https://cairn.example/ns#"><channel>` +
		`<title>Big course</title><link>https://course.example/</link><description>#big</description>`)
	for i := range 200 {
		fmt.Fprintf(&b, `<item><title>Task %d: read &amp; respond</title><link>https://course.example/tasks/%d?lang=en</link>`+
			`<guid isPermaLink="false">task-%d</guid><pubDate>Mon, 02 Jun 2025 10:%02d:00 +0000</pubDate>`+
			`<cairn:due>2025-07-01</cairn:due><category>Week%d</category><description><![CDATA[`+
			`<p>Read <a href="/readings/%d">the reading</a> and write <em>300 words</em>.</p>`+
			`<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>`+
			`<ul><li>one</li><li>two</li></ul>]]></description></item>`, i, i, i, i%60, i%10, i)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// BenchmarkIngest200 measures a 200-item feed: parse alone, and parse plus
// merge into a real store (first ingest, inserting 200 tasks, and a
// re-poll of the same feed, which compares and writes nothing but status).
func BenchmarkIngest200(b *testing.B) {
	body := feed200()
	base, _ := url.Parse("https://course.example/feed.xml")
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			pf, err := ParseFeed(body, base)
			if err != nil || len(pf.Items) != 200 {
				b.Fatal(len(pf.Items), err)
			}
		}
	})
	newCourse := func(b *testing.B, f *fixture, n int) int64 {
		var id int64
		err := f.db.Tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.Exec(`INSERT INTO courses (feed_url, created_at) VALUES (?, 0)`, fmt.Sprintf("https://course.example/%d", n))
			if err != nil {
				return err
			}
			id, err = res.LastInsertId()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		return id
	}
	b.Run("parse+insert", func(b *testing.B) {
		f := newFixture(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			b.StopTimer()
			id := newCourse(b, f, n)
			b.StartTimer()
			pf, err := ParseFeed(body, base)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.svc.poller.RecordSuccess(ctx, id, &feedpoll.Fetched{}, f.svc.applyFeed(id, pf)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+repoll", func(b *testing.B) {
		f := newFixture(b)
		id := newCourse(b, f, 0)
		pf, _ := ParseFeed(body, base)
		if err := f.svc.poller.RecordSuccess(ctx, id, &feedpoll.Fetched{}, f.svc.applyFeed(id, pf)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			pf, err := ParseFeed(body, base)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.svc.poller.RecordSuccess(ctx, id, &feedpoll.Fetched{}, f.svc.applyFeed(id, pf)); err != nil {
				b.Fatal(err)
			}
		}
		var n int
		if err := f.db.R.QueryRow(`SELECT count(*) FROM tasks WHERE course_id = ?`, id).Scan(&n); err != nil || n != 200 {
			b.Fatal(n, err)
		}
	})
}
