package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-pl/cairn/internal/account"
	"github.com/cairn-pl/cairn/internal/store/storetest"
)

func newService(t *testing.T) *account.Service {
	return account.New(storetest.New(t))
}

func TestPasswordHashRoundTrip(t *testing.T) {
	hash, err := account.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q is not PHC argon2id", hash)
	}
	if ok, err := account.PasswordMatches(hash, "correct horse"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := account.PasswordMatches(hash, "correct horsf"); ok {
		t.Fatal("wrong password matched")
	}
	again, _ := account.HashPassword("correct horse")
	if again == hash {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := account.PasswordMatches(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestSetupLinkIsOneTime(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	token, err := s.NewSetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSetupLink(ctx, token); err != nil {
		t.Fatalf("fresh link: %v", err)
	}
	if err := s.CompleteSetup(ctx, token, "short"); err == nil {
		t.Fatal("weak password accepted")
	}
	if err := s.CompleteSetup(ctx, token, "a good password"); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteSetup(ctx, token, "another password"); !errors.Is(err, account.ErrSetupLinkUsed) {
		t.Fatalf("replayed link: %v, want ErrSetupLinkUsed", err)
	}
	if err := s.CheckPassword(ctx, "a good password"); err != nil {
		t.Fatalf("password from setup does not log in: %v", err)
	}
	if err := s.CheckSetupLink(ctx, "made-up"); !errors.Is(err, account.ErrSetupLinkInvalid) {
		t.Fatalf("unknown link: %v", err)
	}
}

func TestNewSetupLinkReplacesUnusedOne(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	first, _ := s.NewSetupLink(ctx)
	second, _ := s.NewSetupLink(ctx)
	if err := s.CheckSetupLink(ctx, first); !errors.Is(err, account.ErrSetupLinkInvalid) {
		t.Fatalf("old link still valid: %v", err)
	}
	if err := s.CheckSetupLink(ctx, second); err != nil {
		t.Fatal(err)
	}
	// Once a password is set by other means, the link is dead too.
	if err := s.SetPassword(ctx, "set by cairn passwd"); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteSetup(ctx, second, "hijack attempt"); err == nil {
		t.Fatal("setup link worked after the password was set")
	}
}

func TestBootstrapPasswordOnlyWhenUnset(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	did, err := s.BootstrapPassword(ctx, "from the environment")
	if err != nil || !did {
		t.Fatalf("first bootstrap: %v %v", did, err)
	}
	did, err = s.BootstrapPassword(ctx, "a different one")
	if err != nil || did {
		t.Fatalf("second bootstrap changed the password: %v %v", did, err)
	}
	if err := s.CheckPassword(ctx, "from the environment"); err != nil {
		t.Fatal(err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	s.SetPassword(ctx, "first password")
	sess, err := s.CreateSession(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	s.SetPassword(ctx, "second password")
	if _, err := s.LookupSession(ctx, sess.ID); !errors.Is(err, account.ErrNoSession) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if err := s.CheckPassword(ctx, "first password"); !errors.Is(err, account.ErrWrongPassword) {
		t.Fatalf("old password: %v", err)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	token, rec, err := s.CreateAPIToken(ctx, "deploy script")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "cairn_") || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	got, err := s.AuthenticateToken(ctx, token)
	if err != nil || got.ID != rec.ID || got.Name != "deploy script" {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	if _, err := s.AuthenticateToken(ctx, token+"x"); !errors.Is(err, account.ErrBadToken) {
		t.Fatalf("altered token: %v", err)
	}
	list, _ := s.APITokens(ctx)
	if len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list: %+v", list)
	}
	if err := s.RevokeAPIToken(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, token); !errors.Is(err, account.ErrBadToken) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, _, err := s.CreateAPIToken(ctx, "  "); err == nil {
		t.Fatal("empty name accepted")
	}
}

func TestProfileAndIdentities(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	err := s.UpdateProfile(ctx, account.Profile{Name: " Ada ", Bio: "Learner", Links: []string{"https://ada.example", "", "https://ada.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateProfile(ctx, account.Profile{Links: []string{"javascript:alert(1)"}}); err == nil {
		t.Fatal("javascript: link accepted")
	}
	ids, err := s.SetIdentities(ctx, []string{"Ada@Example.org", "mailto:ada@example.org", "https://Ada.Example"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"mailto:ada@example.org", "https://ada.example/"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("identities %v, want %v", ids, want)
	}
	if _, err := s.SetIdentities(ctx, []string{"not an email"}); err == nil {
		t.Fatal("bad identity accepted")
	}
	o, err := s.Owner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Ada" || len(o.Links) != 1 || len(o.Identities) != 2 {
		t.Fatalf("owner %+v", o)
	}
}
