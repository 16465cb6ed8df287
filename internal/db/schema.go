package db

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Schema is what a migrated database holds, read back from the engine's own
// catalogue in one engine-neutral shape: the two dialects' migrations are
// written apart, and comparing their Schemas proves that they agree.
type Schema struct {
	Tables map[string]*Table
}

// Table is one table of a Schema.
type Table struct {
	Name       string
	Columns    []Column // in declaration order
	PrimaryKey []string
	Indexes    map[string]Index // by name (primary keys' own indexes left out)
}

// Column is one column of a Table.
type Column struct {
	Name    string
	Family  string // "integer", "text", "boolean", "bytes", "real"
	NotNull bool
	// Default is the normalised default ("" = none; identities have none).
	Default string
}

// Index is one index of a Table.
type Index struct {
	Unique  bool
	Columns []string // "expr" for an expression
	Partial bool
}

// ReadSchema reads the schema of the database's tables (not its own
// bookkeeping: schema_migrations, SQLite's internal tables).
func (d *DB) ReadSchema(ctx context.Context) (*Schema, error) {
	if d.engine == Postgres {
		return d.readPostgresSchema(ctx)
	}
	return d.readSQLiteSchema(ctx)
}

func skipTable(name string) bool {
	return name == "schema_migrations" || strings.HasPrefix(name, "sqlite_")
}

// TypeFamily maps a declared column type to the family both engines agree on.
func TypeFamily(declared string) string {
	t := strings.ToLower(strings.TrimSpace(declared))
	switch {
	case strings.Contains(t, "int"):
		return "integer"
	case strings.Contains(t, "char"), strings.Contains(t, "text"), strings.Contains(t, "clob"):
		return "text"
	case strings.Contains(t, "bool"):
		return "boolean"
	case strings.Contains(t, "blob"), strings.Contains(t, "bytea"):
		return "bytes"
	case strings.Contains(t, "real"), strings.Contains(t, "float"), strings.HasPrefix(t, "double"), strings.Contains(t, "numeric"), strings.Contains(t, "decimal"):
		return "real"
	}
	return t
}

var (
	pgCast      = regexp.MustCompile(`::[a-z ]+(\[\])?$`)
	quotedValue = regexp.MustCompile(`^'(.*)'$`)
)

// normaliseDefault writes a default expression the same way for both engines:
// PostgreSQL's casts dropped ('x'::text → 'x'), booleans and numbers plain.
func normaliseDefault(v string) string {
	v = strings.TrimSpace(v)
	for {
		w := strings.TrimSpace(pgCast.ReplaceAllString(v, ""))
		if strings.HasPrefix(w, "(") && strings.HasSuffix(w, ")") {
			w = strings.TrimSpace(w[1 : len(w)-1])
		}
		if w == v {
			break
		}
		v = w
	}
	if m := quotedValue.FindStringSubmatch(v); m != nil {
		return "'" + m[1] + "'"
	}
	return strings.ToLower(v)
}

func (d *DB) readSQLiteSchema(ctx context.Context) (*Schema, error) {
	s := &Schema{Tables: map[string]*Table{}}
	rows, err := d.w.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		if !skipTable(n) {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		t := &Table{Name: name, Indexes: map[string]Index{}}
		s.Tables[name] = t
		cols, err := d.w.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		pk := map[int]string{}
		for cols.Next() {
			var c Column
			var typ string
			var notNull, pkPos int
			var def *string
			if err := cols.Scan(&c.Name, &typ, &notNull, &def, &pkPos); err != nil {
				cols.Close()
				return nil, err
			}
			c.Family, c.NotNull = TypeFamily(typ), notNull == 1
			if def != nil {
				c.Default = normaliseDefault(*def)
				if c.Family == "boolean" {
					c.Default = map[string]string{"0": "false", "1": "true"}[c.Default] + strings.TrimLeft(c.Default, "01")
				}
			}
			if pkPos > 0 {
				pk[pkPos] = c.Name
				c.NotNull = true // a primary key is never NULL (SQLite's rowid alias says 0)
			}
			t.Columns = append(t.Columns, c)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, err
		}
		for i := 1; i <= len(pk); i++ {
			t.PrimaryKey = append(t.PrimaryKey, pk[i])
		}
		idx, err := d.w.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, name)
		if err != nil {
			return nil, err
		}
		type il struct {
			name, origin    string
			unique, partial bool
		}
		var list []il
		for idx.Next() {
			var x il
			if err := idx.Scan(&x.name, &x.unique, &x.origin, &x.partial); err != nil {
				idx.Close()
				return nil, err
			}
			list = append(list, x)
		}
		idx.Close()
		if err := idx.Err(); err != nil {
			return nil, err
		}
		for _, x := range list {
			if x.origin == "pk" {
				continue
			}
			cols, err := d.w.QueryContext(ctx, `SELECT COALESCE(name, 'expr') FROM pragma_index_info(?) ORDER BY seqno`, x.name)
			if err != nil {
				return nil, err
			}
			ix := Index{Unique: x.unique, Partial: x.partial}
			for cols.Next() {
				var c string
				if err := cols.Scan(&c); err != nil {
					cols.Close()
					return nil, err
				}
				ix.Columns = append(ix.Columns, c)
			}
			cols.Close()
			if err := cols.Err(); err != nil {
				return nil, err
			}
			name := x.name
			if x.origin == "u" {
				// An inline UNIQUE constraint: PostgreSQL names it
				// <table>_<columns>_key.
				name = name + "~" + strings.Join(ix.Columns, ",")
				name = name[strings.Index(name, "~")+1:]
				name = t.Name + "_" + strings.ReplaceAll(name, ",", "_") + "_key"
			}
			if name == t.Name+"_pkey" && ix.Unique && !ix.Partial && len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == "id" {
				// A community table on SQLite: its rowid (id INTEGER PRIMARY
				// KEY) stays the row's address and hands out ids, and its key
				// (community_id, id), PostgreSQL's primary key, is the unique
				// index <table>_pkey that foreign keys refer to.
				t.PrimaryKey = ix.Columns
				continue
			}
			t.Indexes[name] = ix
		}
	}
	return s, nil
}

func (d *DB) readPostgresSchema(ctx context.Context) (*Schema, error) {
	s := &Schema{Tables: map[string]*Table{}}
	rows, err := d.w.QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO', COALESCE(column_default, ''), is_identity = 'YES'
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table string
		var c Column
		var typ, def string
		var identity bool
		if err := rows.Scan(&table, &c.Name, &typ, &c.NotNull, &def, &identity); err != nil {
			rows.Close()
			return nil, err
		}
		if skipTable(table) {
			continue
		}
		t := s.Tables[table]
		if t == nil {
			t = &Table{Name: table, Indexes: map[string]Index{}}
			s.Tables[table] = t
		}
		c.Family = TypeFamily(typ)
		if def != "" && !identity {
			c.Default = normaliseDefault(def)
		}
		t.Columns = append(t.Columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Indexes with their columns in order (0 = an expression), and which one
	// is the primary key.
	idx, err := d.w.QueryContext(ctx, `SELECT t.relname, i.relname, x.indisunique, x.indisprimary, x.indpred IS NOT NULL,
			COALESCE((SELECT string_agg(COALESCE(a.attname, 'expr'), ',' ORDER BY k.n)
				FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
				LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0), '')
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace ns ON ns.oid = t.relnamespace
		WHERE ns.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	for idx.Next() {
		var table, name, cols string
		var unique, primary, partial bool
		if err := idx.Scan(&table, &name, &unique, &primary, &partial, &cols); err != nil {
			return nil, err
		}
		t := s.Tables[table]
		if t == nil {
			continue
		}
		list := strings.Split(cols, ",")
		if primary {
			t.PrimaryKey = list
			continue
		}
		t.Indexes[name] = Index{Unique: unique, Columns: list, Partial: partial}
	}
	return s, idx.Err()
}

// Describe writes a table the way the parity test compares it.
func (t *Table) Describe() []string {
	var out []string
	for _, c := range t.Columns {
		nn := ""
		if c.NotNull {
			nn = " NOT NULL"
		}
		def := ""
		if c.Default != "" {
			def = " DEFAULT " + c.Default
		}
		out = append(out, fmt.Sprintf("column %s %s%s%s", c.Name, c.Family, nn, def))
	}
	out = append(out, "primary key ("+strings.Join(t.PrimaryKey, ", ")+")")
	names := make([]string, 0, len(t.Indexes))
	for n := range t.Indexes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ix := t.Indexes[n]
		kind := "index"
		if ix.Unique {
			kind = "unique index"
		}
		if ix.Partial {
			kind = "partial " + kind
		}
		out = append(out, fmt.Sprintf("%s %s (%s)", kind, n, strings.Join(ix.Columns, ", ")))
	}
	return out
}
