package opinions

import (
	"context"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// Counts are a month's figures for one community or a street.
type Counts struct {
	Total    int
	Answered int // given an answer (answered, or closed with one)
	Cases    int // turned into a case
	Closed   int
	Open     int // neither answered, a case nor closed
	// ByCategory and BySource count per code, in the lists' order.
	ByCategory []Count
	BySource   []Count
}

// Count is one code's count.
type Count struct {
	Code, Name string
	N          int
}

// AnsweredShare is 答复率: the share answered or turned into a case (dealt
// with), as "87.5%", or "—" with nothing to count.
func (c Counts) AnsweredShare() string {
	if c.Total == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(c.Answered+c.Cases)*100/float64(c.Total), 'f', 1, 64) + "%"
}

// DigestUnit is one community's line of a digest.
type DigestUnit struct {
	ID   int64
	Name string
	Counts
}

// CategoryGroup is the month's opinions of one category.
type CategoryGroup struct {
	Code, Name string
	Opinions   []*Opinion
}

// Digest is a month's digest (社情民意月报) of the communities in scope, or of one.
type Digest struct {
	Month       string
	CommunityID int64 // 0: every community in scope (a street's roll-up)
	Units       []DigestUnit
	Total       Counts
	Groups      []CategoryGroup
	Listed      int  // opinions listed in Groups
	Cut         bool // more than maxDigestList: the rest are only counted
}

const maxDigestList = 1000

// newCounts starts counts with every category and source at zero.
func newCounts() Counts {
	c := Counts{}
	for _, k := range Categories {
		c.ByCategory = append(c.ByCategory, Count{Code: k, Name: i18n.T("opinions.category." + k)})
	}
	for _, k := range Sources {
		c.BySource = append(c.BySource, Count{Code: k, Name: i18n.T("opinions.source." + k)})
	}
	return c
}

func (c *Counts) add(category, source, status string, answered bool, n int) {
	c.Total += n
	for i := range c.ByCategory {
		if c.ByCategory[i].Code == category {
			c.ByCategory[i].N += n
		}
	}
	for i := range c.BySource {
		if c.BySource[i].Code == source {
			c.BySource[i].N += n
		}
	}
	switch {
	case status == StatusCase:
		c.Cases += n
	case answered:
		c.Answered += n
	case status == StatusOpen:
		c.Open += n
	}
	if status == StatusClosed {
		c.Closed += n
	}
}

// Digest sums up a month (its opinions by the day they were raised) for the
// communities in p's scope, or for one of them.
func (s *Service) Digest(ctx context.Context, p *auth.Principal, month string, communityID int64) (*Digest, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	month, err := s.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	f := Filter{Month: month, CommunityID: communityID}
	where, args, err := s.where(p, f)
	if err != nil {
		return nil, err
	}
	d := &Digest{Month: month, CommunityID: communityID, Total: newCounts()}
	rows, err := s.DB.QueryContext(ctx, `SELECT o.community_id, o.category, o.source, o.status, CASE WHEN o.answer <> '' THEN 1 ELSE 0 END, COUNT(*)
		FROM op_opinion o WHERE `+where+` GROUP BY o.community_id, o.category, o.source, o.status, CASE WHEN o.answer <> '' THEN 1 ELSE 0 END`, args...)
	if err != nil {
		return nil, err
	}
	units := map[int64]*DigestUnit{}
	var order []int64
	for rows.Next() {
		var comm int64
		var cat, src, st string
		var answered, n int
		if err := rows.Scan(&comm, &cat, &src, &st, &answered, &n); err != nil {
			rows.Close()
			return nil, err
		}
		u := units[comm]
		if u == nil {
			u = &DigestUnit{ID: comm, Counts: newCounts()}
			if c, ok := s.Org.Lookup(ctx, comm); ok {
				u.Name = c.Name
			}
			units[comm] = u
			order = append(order, comm)
		}
		u.add(cat, src, st, answered == 1, n)
		d.Total.add(cat, src, st, answered == 1, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range order {
		d.Units = append(d.Units, *units[id])
	}
	sortUnits(d.Units)
	list, err := s.query(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE `+where+` ORDER BY o.raised_on, o.id LIMIT ?`, append(args, maxDigestList+1)...)
	if err != nil {
		return nil, err
	}
	if len(list) > maxDigestList {
		list, d.Cut = list[:maxDigestList], true
	}
	d.Listed = len(list)
	for _, cat := range Categories {
		g := CategoryGroup{Code: cat, Name: i18n.T("opinions.category." + cat)}
		for _, o := range list {
			if o.Category == cat {
				g.Opinions = append(g.Opinions, o)
			}
		}
		if len(g.Opinions) > 0 {
			d.Groups = append(d.Groups, g)
		}
	}
	return d, nil
}

func sortUnits(u []DigestUnit) {
	for i := 1; i < len(u); i++ {
		for j := i; j > 0 && u[j].Name < u[j-1].Name; j-- {
			u[j], u[j-1] = u[j-1], u[j]
		}
	}
}

// ---- the home page ----

// Unanswered lists the opinions in p's scope left open past TodoAfter,
// oldest first, and how many there are: the home page's 待办 for those who
// answer them (the list behind 查看全部 is /opinions?status=open&late=1).
func (s *Service) Unanswered(ctx context.Context, p *auth.Principal, limit int) ([]*Opinion, int, error) {
	if !p.Can(PermWrite) {
		return nil, 0, nil
	}
	before := s.now().Add(-s.todoAfter()).UnixMilli()
	sc, args := p.Scope.SQL(s.DB.Dialect(), "o.community_id", "o.grid_id")
	where := sc + ` AND o.status = ? AND o.created_at < ?`
	args = append(args, StatusOpen, before)
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM op_opinion o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if total == 0 {
		return nil, 0, nil
	}
	list, err := s.query(ctx, `SELECT `+opinionCols+` FROM op_opinion o WHERE `+where+` ORDER BY o.created_at, o.id LIMIT ?`, append(args, limit)...)
	return list, total, err
}

// TodoDays is how many days an opinion waits before it is a 待办.
func (s *Service) TodoDays() int { return int(s.todoAfter() / (24 * time.Hour)) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
