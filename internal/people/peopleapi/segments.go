package peopleapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hearken-org/hearken/internal/api"
	"github.com/hearken-org/hearken/internal/people"
)

func (m *Module) segmentOut(ctx context.Context, s people.Segment) (PeopleSegment, error) {
	n, err := m.svc.SegmentCount(ctx, s.Filter)
	if err != nil {
		return PeopleSegment{}, err
	}
	return PeopleSegment{ID: s.ID, Name: s.Name, Filter: s.Filter, Count: n, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}, nil
}

func (m *Module) mountSegments(a *api.API) {
	huma.Register(a, huma.Operation{OperationID: "listSegments", Method: http.MethodGet, Path: "/segments", Tags: tags,
		Summary: "Saved segments, with their live member counts"},
		func(ctx context.Context, _ *struct{}) (*body[[]PeopleSegment], error) {
			segs, err := m.svc.Segments(ctx)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			out := make([]PeopleSegment, 0, len(segs))
			for _, s := range segs {
				o, err := m.segmentOut(ctx, s)
				if err != nil {
					return nil, m.fail(ctx, err, nil)
				}
				out = append(out, o)
			}
			return &body[[]PeopleSegment]{out}, nil
		})

	type newSegmentIn struct {
		Body struct {
			Name   string               `json:"name"`
			Filter people.SegmentFilter `json:"filter" doc:"Every part present must hold."`
		}
	}
	huma.Register(a, huma.Operation{OperationID: "createSegment", Method: http.MethodPost, Path: "/segments", Tags: tags,
		Summary: "Save a segment", DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *newSegmentIn) (*body[PeopleSegment], error) {
			s, err := m.svc.CreateSegment(ctx, in.Body.Name, in.Body.Filter)
			if err != nil {
				return nil, m.fail(ctx, err, func(f string) string {
					if f == "name" {
						return f
					}
					return "filter." + f
				})
			}
			out, err := m.segmentOut(ctx, s)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PeopleSegment]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "getSegment", Method: http.MethodGet, Path: "/segments/{id}", Tags: tags,
		Summary: "A saved segment"},
		func(ctx context.Context, in *idPath) (*body[PeopleSegment], error) {
			s, err := m.svc.GetSegment(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			out, err := m.segmentOut(ctx, s)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[PeopleSegment]{out}, nil
		})

	huma.Register(a, huma.Operation{OperationID: "deleteSegment", Method: http.MethodDelete, Path: "/segments/{id}", Tags: tags,
		Summary: "Delete a saved segment", DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := m.svc.DeleteSegment(ctx, in.ID); err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return nil, nil
		})

	type membersIn struct {
		ID     int64  `path:"id" minimum:"1"`
		Cursor string `query:"cursor"`
		Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
	}
	huma.Register(a, huma.Operation{OperationID: "listSegmentMembers", Method: http.MethodGet, Path: "/segments/{id}/members", Tags: tags,
		Summary: "The profiles a segment selects, by id"},
		func(ctx context.Context, in *membersIn) (*body[api.Page[PersonOut]], error) {
			s, err := m.svc.GetSegment(ctx, in.ID)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			page, err := m.svc.SegmentMembers(ctx, s.Filter, in.Cursor, in.Limit)
			if err != nil {
				return nil, m.fail(ctx, err, nil)
			}
			return &body[api.Page[PersonOut]]{api.Page[PersonOut]{Items: conv(page.Items, func(p people.Person) PersonOut { return PersonOut(p) }), NextCursor: page.Next}}, nil
		})
}
