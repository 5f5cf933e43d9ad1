package roster

import (
	"context"
	"strings"

	"github.com/cairn-pl/cairn/ple"
)

// JournalTasks gives the issuer's tasks from its own journal: published
// posts marked "is a task", at baseURL + /posts/{slug}, each with its
// first tag as hashtag. hashtags, when not nil, overrides the hashtag of a
// task by its URL (a configured one).
func JournalTasks(j *ple.Journal, baseURL string, hashtags func(ctx context.Context) (map[string]string, error)) Tasks {
	base := strings.TrimRight(baseURL, "/")
	return TasksFunc(func(ctx context.Context) ([]Task, error) {
		var over map[string]string
		if hashtags != nil {
			var err error
			if over, err = hashtags(ctx); err != nil {
				return nil, err
			}
		}
		var out []Task
		for offset := 0; ; offset += 200 {
			posts, err := j.List(ctx, ple.Query{TasksOnly: true, Limit: 200, Offset: offset})
			if err != nil {
				return nil, err
			}
			for _, p := range posts {
				t := Task{URL: base + p.Path(), Title: p.Title}
				if len(p.Tags) > 0 {
					t.Hashtag = p.Tags[0]
				}
				if h, ok := over[t.URL]; ok {
					t.Hashtag = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "#"))
				}
				if t.Title == "" {
					t.Title = cut(p.Summary, 80)
				}
				out = append(out, t)
			}
			if len(posts) < 200 {
				return out, nil
			}
		}
	})
}
