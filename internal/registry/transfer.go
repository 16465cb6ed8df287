package registry

import (
	"context"
	"database/sql"
	"strings"

	"linli/internal/db"
)

// Moving people and households to another community. Every registry row
// carries its community (the distribution key on Citus, see
// docs/ARCHITECTURE.md "Distribution"), and a row's community is never
// updated: Citus refuses it, and the keys (community_id, id) that tie a
// person to their household, residences, groups and name pieces would break.
// A move to another community takes the rows out of the old community and
// writes them again in the new one, ids kept, in the move's transaction, so
// that the record and its history (residences, timeline, groups) stay whole.
// What belongs to the old community stays there: a tenancy there ends, and a
// rental there keeps its landlord by name only.

// rowSet is some rows of one table, read whole to be written again.
type rowSet struct {
	table string
	cols  []string
	rows  [][]any
}

// takeRows reads the rows of table matching where and deletes them.
func takeRows(ctx context.Context, tx *db.Tx, table, cols, where string, args ...any) (*rowSet, error) {
	rs := &rowSet{table: table, cols: strings.Split(strings.ReplaceAll(cols, " ", ""), ",")}
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM `+table+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		vals := make([]any, len(rs.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		rs.rows = append(rs.rows, vals)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(rs.rows) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+where, args...); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// put writes the rows again with the columns of set replaced.
func (rs *rowSet) put(ctx context.Context, tx *db.Tx, set map[string]any) error {
	const per = 50
	for i := 0; i < len(rs.rows); i += per {
		chunk := rs.rows[i:min(i+per, len(rs.rows))]
		row := "(" + db.Placeholders(len(rs.cols)) + ")"
		vals := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*len(rs.cols))
		for j, r := range chunk {
			vals[j] = row
			for k, c := range rs.cols {
				if v, ok := set[c]; ok {
					args = append(args, v)
				} else {
					args = append(args, r[k])
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+rs.table+` (`+strings.Join(rs.cols, ", ")+`) VALUES `+strings.Join(vals, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// value is column c of the set's first row ("" when none or NULL).
func (rs *rowSet) value(c string) string {
	if len(rs.rows) == 0 {
		return ""
	}
	for k, col := range rs.cols {
		if col == c {
			switch v := rs.rows[0][k].(type) {
			case string:
				return v
			case []byte:
				return string(v)
			}
		}
	}
	return ""
}

const (
	personAllColumns = `id, community_id, grid_id, household_id, relation, dwelling_id, name, name_pinyin, name_initials, sex, birth_date,
		id_type, id_enc, id_hash, id_mask, id_tail, phone_enc, phone_hash, phone_mask, phone_tail, ethnicity, political, education, marital, employer, hukou_address,
		residence_type, status, extra, remark, created_at, updated_at`
	residenceColumns = `id, person_id, community_id, dwelling_id, type, from_on, to_on, created_at`
	personTagColumns = `person_id, tag_id, community_id, grid_id, since, note, created_at`
	eventColumns     = `id, community_id, person_id, household_id, kind, on_date, detail, actor_id, actor_name, created_at`
	householdColumns = `id, community_id, grid_id, dwelling_id, number, number_key, head_person_id, members, status, created_at, updated_at`
)

// movingPerson is a person's rows taken out of their community.
type movingPerson struct {
	id                       int64
	person, residences, tags *rowSet
	events                   *rowSet
	name, idHash             string
}

// takePerson takes a person's rows out of community from: the person, their
// residences, groups, name pieces and timeline; their tenancies there end and
// rentals there keep them as landlord by name only.
func takePerson(ctx context.Context, tx *db.Tx, from, id int64) (*movingPerson, error) {
	m := &movingPerson{id: id}
	var err error
	if _, err = tx.ExecContext(ctx, `DELETE FROM reg_name_gram WHERE community_id = ? AND person_id = ?`, from, id); err != nil {
		return nil, err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM reg_rental_tenant WHERE community_id = ? AND person_id = ?`, from, id); err != nil {
		return nil, err
	}
	if _, err = tx.ExecContext(ctx, `UPDATE reg_rental SET landlord_person_id = NULL, updated_at = ? WHERE community_id = ? AND landlord_person_id = ?`, db.Now(), from, id); err != nil {
		return nil, err
	}
	if m.tags, err = takeRows(ctx, tx, "reg_person_tag", personTagColumns, `community_id = ? AND person_id = ?`, from, id); err != nil {
		return nil, err
	}
	if m.residences, err = takeRows(ctx, tx, "reg_residence", residenceColumns, `community_id = ? AND person_id = ?`, from, id); err != nil {
		return nil, err
	}
	if m.events, err = takeRows(ctx, tx, "reg_event", eventColumns, `community_id = ? AND person_id = ?`, from, id); err != nil {
		return nil, err
	}
	if m.person, err = takeRows(ctx, tx, "reg_person", personAllColumns, `community_id = ? AND id = ?`, from, id); err != nil {
		return nil, err
	}
	if len(m.person.rows) != 1 {
		return nil, sql.ErrNoRows
	}
	m.name, m.idHash = m.person.value("name"), m.person.value("id_hash")
	return m, nil
}

// put writes the person again in pl's community, living at pl (a dwelling
// of that community, or none), in household (0: none) with relation.
func (m *movingPerson) put(ctx context.Context, tx *db.Tx, pl placement, household int64, relation string) error {
	to := pl.community
	if household == 0 {
		relation = ""
	}
	if err := m.person.put(ctx, tx, map[string]any{"community_id": to, "grid_id": nullInt(pl.grid), "dwelling_id": nullInt(pl.dwelling),
		"household_id": nullInt(household), "relation": relation, "updated_at": db.Now()}); err != nil {
		return err
	}
	if err := m.residences.put(ctx, tx, map[string]any{"community_id": to}); err != nil {
		return err
	}
	if err := m.tags.put(ctx, tx, map[string]any{"community_id": to, "grid_id": nullInt(pl.grid)}); err != nil {
		return err
	}
	if err := m.events.put(ctx, tx, map[string]any{"community_id": to}); err != nil {
		return err
	}
	if err := insertGrams(ctx, tx, m.id, m.name, pl); err != nil {
		return err
	}
	if m.idHash != "" {
		// reg_identity is not distributed by community: its row's community
		// is an ordinary column.
		if _, err := tx.ExecContext(ctx, `UPDATE reg_identity SET community_id = ? WHERE id_hash = ?`, to, m.idHash); err != nil {
			return err
		}
	}
	return nil
}
