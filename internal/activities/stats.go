package activities

import (
	"context"
	"fmt"
	"sort"
	"time"

	"linli/internal/auth"
	"linli/internal/locale"
)

// Figures are a year's activity figures within p's scope (or one
// community): by month, by topic and format, and per community the monthly
// 有活动、有小结、有记录 compliance. Counted: activities published or later,
// not cancelled, by the month they start in.
type Figures struct {
	Year      int
	Months    []MonthFigures // 12
	ByTopic   map[string]int
	ByFormat  map[string]int
	SignUps   int
	Attended  int // 人次
	Reached   int // distinct residents checked in
	Groups    []GroupReach
	Community []CommunityCompliance

	// By topic and format as the streets' lists label them, in their order
	// (retired terms only when counted).
	TopicCounts, FormatCounts []TermCount
}

// MonthFigures are one month's counts.
type MonthFigures struct {
	Month                         string
	Activities, SignUps, Attended int
	Summarised, Recorded          int
}

// GroupReach is the distinct residents of a group (by tag) reached.
type GroupReach struct {
	Tag     string
	Reached int
}

// CommunityCompliance says per month whether a community had activities,
// summaries for all of them and attendance records for all of them.
type CommunityCompliance struct {
	CommunityID int64
	Name        string
	Months      [12]Compliance
	Complete    int // months with all three
}

// Compliance is one community-month: 有活动、有小结、有记录.
type Compliance struct{ Held, Summarised, Recorded bool }

// OK reports all three.
func (c Compliance) OK() bool { return c.Held && c.Summarised && c.Recorded }

// Stats computes the year's figures within p's scope.
func (s *Service) Stats(ctx context.Context, p *auth.Principal, year int, communityID int64, groupTags []string) (*Figures, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "a.community_id")
	where := sc + ` AND a.month >= ? AND a.month <= ? AND a.status NOT IN ('draft', 'cancelled')`
	args = append(args, fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year))
	if communityID != 0 {
		where, args = where+` AND a.community_id = ?`, append(args, communityID)
	}
	f := &Figures{Year: year, ByTopic: map[string]int{}, ByFormat: map[string]int{}}
	for m := 1; m <= 12; m++ {
		f.Months = append(f.Months, MonthFigures{Month: fmt.Sprintf("%04d-%02d", year, m)})
	}
	now := s.now().UnixMilli()
	rows, err := s.DB.QueryContext(ctx, `SELECT a.community_id, COALESCE(c.name, ''), a.month, a.topic, a.format, COUNT(*), SUM(a.accepted), SUM(a.attended + a.walkins),
		SUM(CASE WHEN a.summary_at <> 0 THEN 1 ELSE 0 END), SUM(CASE WHEN a.attended + a.walkins > 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN a.starts_at <= ? THEN 1 ELSE 0 END)
		FROM activity a LEFT JOIN org_unit c ON c.id = a.community_id WHERE `+where+` GROUP BY a.community_id, c.name, a.month, a.topic, a.format`,
		append([]any{now}, args...)...)
	if err != nil {
		return nil, err
	}
	comm := map[int64]*CommunityCompliance{}
	byUnit := map[termKey]int{}
	type cm struct{ held, summ, rec int }
	per := map[int64]*[12]cm{}
	for rows.Next() {
		var cid int64
		var name, month, topic, format string
		var n, signups, attended, summ, rec, begun int
		if err := rows.Scan(&cid, &name, &month, &topic, &format, &n, &signups, &attended, &summ, &rec, &begun); err != nil {
			rows.Close()
			return nil, err
		}
		var mi int
		if _, err := fmt.Sscanf(month[5:], "%d", &mi); err != nil || mi < 1 || mi > 12 {
			continue
		}
		mf := &f.Months[mi-1]
		mf.Activities += n
		mf.SignUps += signups
		mf.Attended += attended
		mf.Summarised += summ
		mf.Recorded += rec
		f.ByTopic[topic] += n
		f.ByFormat[format] += n
		byUnit[termKey{cid, KindTopic, topic}] += n
		byUnit[termKey{cid, KindFormat, format}] += n
		f.SignUps += signups
		f.Attended += attended
		if comm[cid] == nil {
			comm[cid] = &CommunityCompliance{CommunityID: cid, Name: name}
			per[cid] = &[12]cm{}
		}
		x := &per[cid][mi-1]
		x.held += begun
		x.summ += summ
		x.rec += rec
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for cid, c := range comm {
		for i, x := range per[cid] {
			c.Months[i] = Compliance{Held: x.held > 0, Summarised: x.held > 0 && x.summ >= x.held, Recorded: x.held > 0 && x.rec >= x.held}
			if c.Months[i].OK() {
				c.Complete++
			}
		}
		f.Community = append(f.Community, *c)
	}
	sort.Slice(f.Community, func(i, j int) bool { return f.Community[i].Name < f.Community[j].Name })
	units := []int64{communityID}
	if communityID == 0 {
		units = s.Org.Partitions(ctx, p)
	}
	if f.TopicCounts, f.FormatCounts, err = s.termCounts(ctx, units, byUnit); err != nil {
		return nil, err
	}

	// Distinct residents reached: checked in at least once this year, per
	// org unit (activity_reach, kept with each check-in).
	rsc, rargs := s.scopeSQL(ctx, p, "r.community_id")
	rwhere := rsc + ` AND r.year = ?`
	rargs = append(rargs, year)
	if communityID != 0 {
		rwhere, rargs = rwhere+` AND r.community_id = ?`, append(rargs, communityID)
	}
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_reach r WHERE `+rwhere, rargs...).Scan(&f.Reached); err != nil {
		return nil, err
	}
	for _, tag := range groupTags {
		g := GroupReach{Tag: tag}
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_reach r WHERE r.tags LIKE ? AND `+rwhere, append([]any{"%," + tag + ",%"}, rargs...)...).
			Scan(&g.Reached); err != nil {
			return nil, err
		}
		f.Groups = append(f.Groups, g)
	}
	return f, nil
}

// NeedSummary lists the activities p may summarise that have ended
// without a summary, oldest first.
func (s *Service) NeedSummary(ctx context.Context, p *auth.Principal) ([]*Activity, error) {
	if !p.Can(PermManage) {
		return nil, nil
	}
	sc, args := s.scopeSQL(ctx, p, "a.community_id")
	list, err := s.list(ctx, p, `SELECT `+cols+from+` WHERE a.status IN ('published', 'held') AND a.ends_at <= ? AND `+sc+` ORDER BY a.ends_at, a.id LIMIT 500`,
		append([]any{s.now().UnixMilli()}, args...)...)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, a := range list {
		if a.Access.Summary {
			out = append(out, a)
		}
	}
	return out, nil
}

// thisYear is the current year in the users' zone.
func (s *Service) thisYear() int { return s.now().In(locale.Zone).Year() }

var _ = time.Hour
