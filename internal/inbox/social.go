package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/people"
)

// SocialChannel is a social platform account a bridge connects: the bridge
// posts what people write there to the channel's webhook, and receives
// staff replies at OutboundURL. Both directions are signed with the
// channel's secret (shown once, when made or rotated).
type SocialChannel struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Platform    string    `json:"platform"`
	OutboundURL string    `json:"outbound_url"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	secret      []byte
}

// SocialChannelInput creates or changes a social channel.
type SocialChannelInput struct {
	Name        string `json:"name"`
	Platform    string `json:"platform"`
	OutboundURL string `json:"outbound_url"`
}

// SocialPost is what a bridge posts: a direct message or a public mention.
type SocialPost struct {
	// ID is the platform's message id: a repeat is stored once.
	ID     string `json:"id"`
	Author struct {
		Handle     string `json:"handle"`
		Name       string `json:"name"`
		ProfileURL string `json:"profile_url"`
	} `json:"author"`
	Text string `json:"text"`
	// Kind is message (a direct message: continues the author's open
	// conversation) or mention (a public post: a conversation of its own
	// unless it answers a stored message).
	Kind      string `json:"kind"`
	InReplyTo string `json:"in_reply_to"`
	URL       string `json:"url"`
	// At is when it was posted; zero means now.
	At time.Time `json:"at"`
}

// Social message kinds.
const (
	SocialMessage = "message"
	SocialMention = "mention"
)

// SignatureHeader carries a webhook signature: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<raw body>" keyed with the channel secret>".
const SignatureHeader = "X-Hearken-Signature"

// signatureTolerance is the clock skew a signed request may have.
const signatureTolerance = 5 * time.Minute

// Sign returns the SignatureHeader value for body at t under secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signature(secret, ts, body))
}

func signature(secret []byte, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return mac.Sum(nil)
}

// verify checks header against body: a v1 signature made with secret, a
// timestamp within the tolerance. It returns the signature used, for replay
// detection.
func verify(secret []byte, header string, body []byte, now time.Time) (string, error) {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	unauth := apperr.New(apperr.CodeUnauthorized, "inbox.error.signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return "", unauth
	}
	if d := now.Sub(time.Unix(sec, 0)); d > signatureTolerance || d < -signatureTolerance {
		return "", apperr.New(apperr.CodeUnauthorized, "inbox.error.signature_expired")
	}
	want := signature(secret, ts, body)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return s, nil
		}
	}
	return "", unauth
}

func newSocialSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "hks_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func scanSocialChannel(r scanner) (SocialChannel, error) {
	var c SocialChannel
	err := r.Scan(&c.ID, &c.Name, &c.Platform, &c.secret, &c.OutboundURL, &c.CreatedAt, &c.UpdatedAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func (s *Service) socialChannel(ctx context.Context, id int64) (SocialChannel, error) {
	c, err := scanSocialChannel(s.q.QueryRow(ctx, "GetSocialChannel", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFound("inbox.error.channel_not_found")
	}
	return c, err
}

// SocialChannel reads one social channel.
func (s *Service) SocialChannel(ctx context.Context, id int64) (SocialChannel, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return SocialChannel{}, err
	}
	return s.socialChannel(ctx, id)
}

// SocialChannels lists the social channels by name.
func (s *Service) SocialChannels(ctx context.Context) ([]SocialChannel, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	rows, err := s.q.Query(ctx, "ListSocialChannels")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []SocialChannel{}
	for rows.Next() {
		c, err := scanSocialChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func validateSocialChannel(in *SocialChannelInput) error {
	v := apperr.Invalid()
	in.Name, in.OutboundURL = strings.TrimSpace(in.Name), strings.TrimSpace(in.OutboundURL)
	in.Platform = strings.ToLower(strings.TrimSpace(in.Platform))
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 || !utf8.ValidString(in.Name) {
		v.Field("name", "inbox.error.channel_name")
	}
	if k := people.SocialKey(in.Platform, "x"); in.Platform == "" || len(in.Platform) > 40 || k == "" {
		v.Field("platform", "inbox.error.platform")
	} else {
		in.Platform, _, _ = strings.Cut(k, ":")
	}
	if in.OutboundURL != "" {
		u, err := url.Parse(in.OutboundURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.OutboundURL) > 2000 {
			v.Field("outbound_url", "inbox.error.url")
		}
	}
	return v.OrNil()
}

// CreateSocialChannel adds a social channel and returns it with its secret,
// which is shown this once.
func (s *Service) CreateSocialChannel(ctx context.Context, in SocialChannelInput) (SocialChannel, string, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return SocialChannel{}, "", err
	}
	if err := validateSocialChannel(&in); err != nil {
		return SocialChannel{}, "", err
	}
	secret, err := newSocialSecret()
	if err != nil {
		return SocialChannel{}, "", err
	}
	var out SocialChannel
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var id int64
		err := s.q.QueryRowW(ctx, "InsertSocialChannel", in.Name, in.Platform, []byte(secret), in.OutboundURL, s.now()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid().Field("name", "inbox.error.channel_taken")
		}
		if err != nil {
			return err
		}
		if out, err = s.socialChannel(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.social.create", "inbox_social_channel", id, in)
	})
	return out, secret, err
}

// UpdateSocialChannel changes a social channel's name, platform and
// outbound URL.
func (s *Service) UpdateSocialChannel(ctx context.Context, id int64, in SocialChannelInput) (SocialChannel, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return SocialChannel{}, err
	}
	if err := validateSocialChannel(&in); err != nil {
		return SocialChannel{}, err
	}
	var out SocialChannel
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.socialChannel(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "UpdateSocialChannel", id, in.Name, in.Platform, in.OutboundURL, s.now()); err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "unique") {
				return apperr.Invalid().Field("name", "inbox.error.channel_taken")
			}
			return err
		}
		if out, err = s.socialChannel(ctx, id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.social.update", "inbox_social_channel", id, auth.Diff(old, out))
	})
	return out, err
}

// RotateSocialSecret replaces a channel's secret and returns the new one,
// shown this once; the old one stops working at once.
func (s *Service) RotateSocialSecret(ctx context.Context, id int64) (string, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return "", err
	}
	secret, err := newSocialSecret()
	if err != nil {
		return "", err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.socialChannel(ctx, id); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "RotateSocialSecret", id, []byte(secret), s.now()); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.social.rotate", "inbox_social_channel", id, nil)
	})
	return secret, err
}

// DeleteSocialChannel removes a social channel; its conversations stay.
func (s *Service) DeleteSocialChannel(ctx context.Context, id int64) error {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.socialChannel(ctx, id); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "DeleteSocialChannel", id); err != nil {
			return err
		}
		return s.cfg.Auditor.Audit(ctx, "inbox.social.delete", "inbox_social_channel", id, nil)
	})
}

// maxSocialBody bounds a webhook request.
const maxSocialBody = 256 << 10

// ReceiveSocialWebhook verifies and stores a bridge's signed request: the
// signature (sigHeader) over the raw body with the channel's secret, at
// most five minutes old, never seen before. No user is needed: the
// signature is the credential.
func (s *Service) ReceiveSocialWebhook(ctx context.Context, channelID int64, sigHeader string, body []byte) (Result, error) {
	if len(body) > maxSocialBody {
		return Result{}, apperr.New(apperr.CodeTooLarge, "inbox.error.too_large")
	}
	ctx = system(ctx)
	ch, err := s.socialChannel(ctx, channelID)
	if isNotFound(err) {
		// Indistinguishable from a bad signature: ids are not probed.
		return Result{}, apperr.New(apperr.CodeUnauthorized, "inbox.error.signature")
	}
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	sig, err := verify(ch.secret, sigHeader, body, now)
	if err != nil {
		return Result{}, err
	}
	var p SocialPost
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&p); err != nil {
		return Result{}, apperr.New(apperr.CodeBadRequest, "inbox.error.json")
	}
	var res Result
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var got int64
		err := s.q.QueryRowW(ctx, "InsertSocialNonce", ch.ID, sig, now).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Conflict("inbox.error.replay")
		}
		if err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "PruneSocialNonces", now.Add(-2*signatureTolerance)); err != nil {
			return err
		}
		res, err = s.receiveSocial(ctx, &ch, p)
		return err
	})
	return res, err
}

// ReceiveSocial stores a post on a channel as the actor in ctx (CSV import,
// tests); the webhook path is ReceiveSocialWebhook.
func (s *Service) ReceiveSocial(ctx context.Context, channelID int64, p SocialPost) (Result, error) {
	if err := auth.Require(ctx, auth.PermInboxManage); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		ch, err := s.socialChannel(ctx, channelID)
		if err != nil {
			return err
		}
		res, err = s.receiveSocial(system(ctx), &ch, p)
		return err
	})
	return res, err
}

func (s *Service) receiveSocial(ctx context.Context, ch *SocialChannel, p SocialPost) (Result, error) {
	v := apperr.Invalid()
	p.ID, p.Text, p.Kind = strings.TrimSpace(p.ID), strings.TrimSpace(p.Text), strings.TrimSpace(p.Kind)
	p.Author.Handle = strings.TrimSpace(p.Author.Handle)
	if p.ID == "" {
		v.Field("id", "inbox.error.required")
	}
	if p.Author.Handle == "" || utf8.RuneCountInString(p.Author.Handle) > 200 || strings.ContainsAny(p.Author.Handle, " \t\r\n") {
		v.Field("author.handle", "inbox.error.handle")
	}
	if p.Text == "" {
		v.Field("text", "inbox.error.empty")
	}
	if p.Kind == "" {
		p.Kind = SocialMessage
	}
	if p.Kind != SocialMessage && p.Kind != SocialMention {
		v.Field("kind", "inbox.error.social_kind")
	}
	for f, u := range map[string]string{"url": p.URL, "author.profile_url": p.Author.ProfileURL} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || len(u) > 2000 {
			v.Field(f, "inbox.error.url")
		}
	}
	if err := v.OrNil(); err != nil {
		return Result{}, err
	}
	headers := map[string]string{"Social-ID": p.ID, "Social-Kind": p.Kind, "Social-Platform": ch.Platform, "Social-Handle": p.Author.Handle}
	if p.URL != "" {
		headers["Social-URL"] = p.URL
	}
	if p.Author.ProfileURL != "" {
		headers["Social-Profile-URL"] = p.Author.ProfileURL
	}
	c := Contact{Channel: ChannelSocial, ExternalID: p.ID, Name: strings.TrimSpace(p.Author.Name),
		Social: &SocialHandle{Platform: ch.Platform, Handle: p.Author.Handle, URL: p.Author.ProfileURL},
		Text:   p.Text, InReplyTo: strings.TrimSpace(p.InReplyTo), SocialChannelID: ch.ID,
		ContinueOpen: p.Kind == SocialMessage, Headers: headers, ReceivedAt: p.At}
	if err := s.validateContact(&c); err != nil {
		return Result{}, err
	}
	key := externalKey(c)
	if err := s.lockKey(ctx, "ext:"+key); err != nil {
		return Result{}, err
	}
	var dupID, dupConv int64
	err := s.q.QueryRow(ctx, "MessageByExternalKey", key).Scan(&dupID, &dupConv)
	if err == nil {
		return Result{ConversationID: dupConv, MessageID: dupID, Duplicate: true}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Result{}, err
	}
	now := s.now()
	received := receivedAt(c.ReceivedAt, now)
	return s.receive(ctx, c, key, received)
}
