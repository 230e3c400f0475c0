package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/auth"
)

// UserOut is a staff user as the API shows it.
type UserOut struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role" enum:"admin,manager,agent,fundraiser,volunteer_coordinator,viewer"`
	Locale       string     `json:"locale,omitempty"`
	Active       bool       `json:"active"`
	CreatedAt    time.Time  `json:"created_at"`
	LastSignInAt *time.Time `json:"last_sign_in_at,omitempty"`
}

func userOut(u auth.User) UserOut {
	return UserOut{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Locale: u.Locale, Active: u.Active, CreatedAt: u.CreatedAt, LastSignInAt: u.LastSignInAt}
}

// TokenOut is an API token without its secret.
type TokenOut struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the token, to recognise it."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func tokenOut(t auth.Token) TokenOut {
	return TokenOut{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
}

// AuditOut is one audit-log entry.
type AuditOut struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    *int64          `json:"actor_user_id,omitempty"`
	ActorLabel string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   int64           `json:"entity_id,omitempty"`
	Changes    json.RawMessage `json:"changes,omitempty" doc:"The changed fields as {\"field\":[before, after]}."`
	IP         string          `json:"ip,omitempty"`
}

type idPath struct {
	ID int64 `path:"id" minimum:"1"`
}

type body[T any] struct {
	Body T
}

func (a *API) mountFoundation() {
	huma.Register(a, huma.Operation{OperationID: "getMe", Method: http.MethodGet, Path: "/me", Summary: "The authenticated user", Tags: []string{"Staff"}},
		func(ctx context.Context, _ *struct{}) (*body[UserOut], error) {
			act, _ := auth.ActorFrom(ctx)
			u, err := a.deps.Auth.GetUser(ctx, act.UserID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[UserOut]{userOut(u)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "listUsers", Method: http.MethodGet, Path: "/users", Summary: "List staff users", Tags: []string{"Staff"}},
		func(ctx context.Context, in *ListParams) (*body[Page[UserOut]], error) {
			if err := a.Require(ctx, auth.PermUsersManage); err != nil {
				return nil, err
			}
			page, err := a.deps.Auth.ListUsers(ctx, in.Cursor, in.Limit)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := Page[UserOut]{Items: make([]UserOut, 0, len(page.Items)), NextCursor: page.Next}
			for _, u := range page.Items {
				out.Items = append(out.Items, userOut(u))
			}
			return &body[Page[UserOut]]{out}, nil
		})

	type newUserIn struct {
		Body struct {
			Email    string `json:"email" maxLength:"320"`
			Name     string `json:"name" maxLength:"200"`
			Role     string `json:"role"`
			Locale   string `json:"locale,omitempty"`
			Password string `json:"password" doc:"At least 10 characters." maxLength:"1024"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "createUser", Method: http.MethodPost, Path: "/users", Summary: "Create a staff user", Tags: []string{"Staff"}, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *newUserIn) (*body[UserOut], error) {
			if err := a.Require(ctx, auth.PermUsersManage); err != nil {
				return nil, err
			}
			u, err := a.deps.Auth.CreateUser(ctx, auth.NewUser{Email: in.Body.Email, Name: in.Body.Name, Role: auth.Role(in.Body.Role), Locale: in.Body.Locale, Password: in.Body.Password})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[UserOut]{userOut(u)}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getUser", Method: http.MethodGet, Path: "/users/{id}", Summary: "Get a staff user", Tags: []string{"Staff"}},
		func(ctx context.Context, in *idPath) (*body[UserOut], error) {
			if err := a.Require(ctx, auth.PermUsersManage); err != nil {
				return nil, err
			}
			u, err := a.deps.Auth.GetUser(ctx, in.ID)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[UserOut]{userOut(u)}, nil
		})

	type patchUserIn struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Name   *string `json:"name,omitempty" maxLength:"200"`
			Role   *string `json:"role,omitempty"`
			Locale *string `json:"locale,omitempty"`
			Active *bool   `json:"active,omitempty"`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "updateUser", Method: http.MethodPatch, Path: "/users/{id}", Summary: "Change a staff user", Tags: []string{"Staff"}},
		func(ctx context.Context, in *patchUserIn) (*body[UserOut], error) {
			if err := a.Require(ctx, auth.PermUsersManage); err != nil {
				return nil, err
			}
			p := auth.UserPatch{Name: in.Body.Name, Locale: in.Body.Locale, Active: in.Body.Active}
			if in.Body.Role != nil {
				r := auth.Role(*in.Body.Role)
				p.Role = &r
			}
			u, err := a.deps.Auth.UpdateUser(ctx, in.ID, p)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[UserOut]{userOut(u)}, nil
		})

	type listTokensIn struct {
		UserID int64 `query:"user_id" doc:"Another user's tokens (needs tokens.manage_all); 0 for all of them."`
		Mine   bool  `query:"mine" default:"true" doc:"Only the caller's own tokens."`
	}
	huma.Register(a, huma.Operation{OperationID: "listTokens", Method: http.MethodGet, Path: "/tokens", Summary: "List API tokens", Tags: []string{"Tokens"}},
		func(ctx context.Context, in *listTokensIn) (*body[Page[TokenOut]], error) {
			if err := a.Require(ctx, auth.PermTokensManageOwn); err != nil {
				return nil, err
			}
			act, _ := auth.ActorFrom(ctx)
			owner := act.UserID
			if !in.Mine || in.UserID != 0 {
				if err := a.Require(ctx, auth.PermTokensManageAll); err != nil {
					return nil, err
				}
				owner = in.UserID
			}
			toks, err := a.deps.Auth.ListTokens(ctx, owner)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := Page[TokenOut]{Items: make([]TokenOut, 0, len(toks))}
			for _, t := range toks {
				out.Items = append(out.Items, tokenOut(t))
			}
			return &body[Page[TokenOut]]{out}, nil
		})

	type newTokenIn struct {
		Body struct {
			Name      string     `json:"name" minLength:"1" maxLength:"100"`
			ExpiresAt *time.Time `json:"expires_at,omitempty"`
		}
	}
	type newTokenOut struct {
		TokenOut
		Token string `json:"token" doc:"The secret, shown only in this response."`
	}
	huma.Register(a, huma.Operation{OperationID: "createToken", Method: http.MethodPost, Path: "/tokens", Summary: "Create an API token for the caller", Tags: []string{"Tokens"}, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *newTokenIn) (*body[newTokenOut], error) {
			if err := a.Require(ctx, auth.PermTokensManageOwn); err != nil {
				return nil, err
			}
			act, _ := auth.ActorFrom(ctx)
			plain, t, err := a.deps.Auth.CreateToken(ctx, act.UserID, in.Body.Name, in.Body.ExpiresAt)
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			return &body[newTokenOut]{newTokenOut{TokenOut: tokenOut(t), Token: plain}}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "revokeToken", Method: http.MethodDelete, Path: "/tokens/{id}", Summary: "Revoke an API token", Tags: []string{"Tokens"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := a.Require(ctx, auth.PermTokensManageOwn); err != nil {
				return nil, err
			}
			if err := a.deps.Auth.RevokeToken(ctx, in.ID); err != nil {
				return nil, a.Fail(ctx, err)
			}
			return nil, nil
		})

	type auditIn struct {
		Cursor     string `query:"cursor" doc:"Opaque cursor from a previous page."`
		Limit      int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
		EntityType string `query:"entity_type"`
		EntityID   int64  `query:"entity_id"`
		ActorID    int64  `query:"actor_user_id"`
	}
	huma.Register(a, huma.Operation{OperationID: "listAudit", Method: http.MethodGet, Path: "/audit", Summary: "The audit log, newest first", Tags: []string{"Audit"}},
		func(ctx context.Context, in *auditIn) (*body[Page[AuditOut]], error) {
			if err := a.Require(ctx, auth.PermAuditView); err != nil {
				return nil, err
			}
			page, err := a.deps.Auth.ListAudit(ctx, auth.AuditFilter{Before: in.Cursor, Limit: in.Limit, EntityType: in.EntityType, EntityID: in.EntityID, ActorID: in.ActorID})
			if err != nil {
				return nil, a.Fail(ctx, err)
			}
			out := Page[AuditOut]{Items: make([]AuditOut, 0, len(page.Items)), NextCursor: page.Next}
			for _, e := range page.Items {
				out.Items = append(out.Items, AuditOut{ID: e.ID, At: e.At, ActorID: e.ActorUserID, ActorLabel: e.ActorLabel, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID, Changes: e.Changes, IP: e.IP})
			}
			return &body[Page[AuditOut]]{out}, nil
		})
}
