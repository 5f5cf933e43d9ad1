package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/config"
)

func load(t *testing.T, args []string, env map[string]string) (config.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return config.Load(fs, config.ServeFlags, args, func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.Listen != ":8080" || c.BaseURL != "http://localhost:8080" || c.AllowPrivateNetwork {
		t.Fatalf("defaults: %+v", c)
	}
	if c.DBPath() != "data/cairn.db" {
		t.Errorf("DBPath %q", c.DBPath())
	}
}

func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	env := map[string]string{
		"CAIRN_DATA": "/env/data", "CAIRN_LISTEN": ":9000", "CAIRN_BASE_URL": "https://me.example/",
		"CAIRN_ALLOW_PRIVATE_NETWORK": "1", "CAIRN_ADMIN_PASSWORD": "secret pass",
	}
	c, err := load(t, []string{"--data", "/flag/data"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/flag/data" || c.Listen != ":9000" || c.BaseURL != "https://me.example" || !c.AllowPrivateNetwork {
		t.Fatalf("got %+v", c)
	}
	if !c.Secure() {
		t.Error("https base URL should make cookies secure")
	}
	if c.AdminPassword != "secret pass" {
		t.Error("admin password not read from the environment")
	}
	for _, v := range c.Redacted() {
		if s, ok := v.(string); ok && strings.Contains(s, "secret") {
			t.Fatal("Redacted leaks the admin password")
		}
	}
}

func TestBaseURLFollowsListenPortWhenNotGiven(t *testing.T) {
	c, err := load(t, []string{"--listen", "127.0.0.1:9191"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "http://localhost:9191" {
		t.Fatalf("base URL %q", c.BaseURL)
	}
	if c.LocalURL() != "http://127.0.0.1:9191" {
		t.Fatalf("local URL %q", c.LocalURL())
	}
}

func TestInvalidSettingsAreExplained(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--base-url", "ftp://x"}, want: "base URL"},
		{args: []string{"--base-url", "https://x.example/?q=1"}, want: "query"},
		{args: []string{"--listen", "8080"}, want: "listen address"},
		{args: []string{"--log-level", "loud"}, want: "log level"},
		{env: map[string]string{"CAIRN_ALLOW_PRIVATE_NETWORK": "maybe"}, want: "CAIRN_ALLOW_PRIVATE_NETWORK"},
		{args: []string{"--data", " "}, want: "data dir"},
	}
	for _, tc := range cases {
		_, err := load(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want mention of %q", tc.args, tc.env, err, tc.want)
		}
	}
}
