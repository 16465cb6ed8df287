package cases

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"time"

	"linli/internal/db"
)

// BulkCase is a case written by the bulk path (demo data, benchmarks, tests):
// every time and outcome is given by the caller, nothing is checked beyond the
// database's constraints, and the caller records one audit entry for the batch.
type BulkCase struct {
	Type, Category, Stage        string
	Title, Description, Location string
	Source                       string
	CommunityID, GridID          int64
	Level                        string
	HolderOrgID                  int64
	AssigneeID, FirstContactID   int64
	CreatedBy, OwnerUserID       int64
	ReporterName                 string
	CreatedAt                    int64
	RespondDueAt, RespondedAt    int64
	DueAt, ClosedAt              int64
	RemindAt, RemindedAt         int64
	EscalateAt                   int64
	Escalations                  int
	Resolved                     sql.NullBool
	Rating                       string
	Fields                       map[string]string
	Events                       []BulkEvent
}

// BulkEvent is one timeline entry of a bulk case.
type BulkEvent struct {
	At           int64
	ActorName    string
	Kind, Action string
	From, To     string
	Note         string // internal
	PublicReply  string // 给居民的回复
	Public       bool
	Data         map[string]any
}

// Plan computes the due times a case of type t and category opened at
// createdAt gets, as Create would.
func (s *Service) Plan(ctx context.Context, t *TypeDef, category string, createdAt int64) (respondDue, due, remind int64, err error) {
	cal, err := s.cal(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	tm := computeTimers(cal, t, category, createdAt)
	return tm.respondDue, tm.due, tm.remind, nil
}

// AddWorkingDays is the calendar's AddDays for callers that plan times.
func (s *Service) AddWorkingDays(ctx context.Context, from int64, n int) (int64, error) {
	cal, err := s.cal(ctx)
	if err != nil {
		return 0, err
	}
	return cal.AddDays(time.UnixMilli(from), n).UnixMilli(), nil
}

const bulkCols = `type, category, stage, title, description, location, source, community_id, grid_id, level, holder_org_id, assignee_id, first_contact_id,
	created_by, owner_user_id, reporter_name, reporter_phone_mask, fields, created_at, created_month, updated_at, respond_due_at, responded_at, due_at, closed_at,
	remind_at, reminded_at, escalate_at, escalations, resolved, rating, rated_at`

const bulkColCount = 32

// BulkTables are the tables a bulk load (InsertBulk and its companions)
// fills. Pass them to db.Analyze afterwards: on PostgreSQL that also vacuums
// them, so that autovacuum does not descend on a million fresh rows later,
// while people work.
var BulkTables = []string{"cases", "case_event", "case_document", "case_party"}

// bulkRows is how many cases go into one INSERT statement.
const bulkRows = 400

// InsertBulk writes cases inside tx, many rows per statement. With events it
// needs the new ids and writes case by case; without, it writes in batches.
func InsertBulk(ctx context.Context, tx *db.Tx, list []BulkCase) ([]int64, error) {
	ids := make([]int64, 0, len(list))
	row := "(" + db.Placeholders(bulkColCount) + ")"
	for start := 0; start < len(list); start += bulkRows {
		end := min(start+bulkRows, len(list))
		batch := list[start:end]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO cases (` + bulkCols + `) VALUES `)
		args := make([]any, 0, len(batch)*bulkColCount)
		for i, c := range batch {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			args = append(args, bulkArgs(c)...)
		}
		sb.WriteString(" RETURNING id")
		got, err := tx.Int64s(ctx, sb.String(), args...)
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
		// Ids are drawn in the order of the VALUES list, but RETURNING does not
		// promise to hand them back in that order: sort them.
		sort.Slice(ids[start:], func(i, j int) bool { return ids[start+i] < ids[start+j] })
	}
	// Events follow their cases.
	var eb strings.Builder
	var eargs []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO case_event (case_id, community_id, at, actor_name, kind, action, from_stage, to_stage, note, public_reply, data, public) VALUES `+eb.String(), eargs...)
		eb.Reset()
		eargs = eargs[:0]
		n = 0
		return err
	}
	for i, c := range list {
		for _, e := range c.Events {
			if n > 0 {
				eb.WriteString(", ")
			}
			eb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			data := "{}"
			if len(e.Data) > 0 {
				data = jsonString(e.Data)
			}
			eargs = append(eargs, ids[i], c.CommunityID, e.At, e.ActorName, e.Kind, e.Action, e.From, e.To, e.Note, e.PublicReply, data, e.Public)
			n++
			if n >= 500 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return ids, nil
}

func bulkArgs(c BulkCase) []any {
	var resolved any
	if c.Resolved.Valid {
		resolved = c.Resolved.Bool
	}
	var rating, ratedAt any
	if c.Rating != "" {
		rating = c.Rating
		ratedAt = c.ClosedAt
		if c.ClosedAt == 0 {
			ratedAt = c.CreatedAt
		}
	}
	fields := "{}"
	if len(c.Fields) > 0 {
		fields = jsonString(c.Fields)
	}
	updated := max(c.CreatedAt, c.ClosedAt, c.RespondedAt)
	return []any{c.Type, c.Category, c.Stage, c.Title, c.Description, c.Location, c.Source, c.CommunityID, nullInt(c.GridID), c.Level, c.HolderOrgID,
		nullInt(c.AssigneeID), nullInt(c.FirstContactID), nullInt(c.CreatedBy), nullInt(c.OwnerUserID), c.ReporterName, "", fields, c.CreatedAt,
		monthOf(c.CreatedAt), updated, c.RespondDueAt, nullInt(c.RespondedAt), c.DueAt, nullInt(c.ClosedAt), nullInt(c.RemindAt), nullInt(c.RemindedAt),
		nullInt(c.EscalateAt), c.Escalations, resolved, rating, ratedAt}
}

// InsertDocumentTx writes a case's document inside tx (bulk path).
func InsertDocumentTx(ctx context.Context, tx *db.Tx, caseID, communityID int64, kind string, content map[string]string, at int64) error {
	if err := numberDocument(ctx, tx, communityID, kind, content); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_document (case_id, community_id, kind, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, communityID, kind, jsonString(content), at, at)
	return err
}

// InsertPartyTx adds a party of a dispute inside tx (bulk path; no phone).
func InsertPartyTx(ctx context.Context, tx *db.Tx, caseID, communityID int64, role, name, address string, at int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_party (case_id, community_id, role, name, address, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, communityID, role, name, address, at)
	return err
}
