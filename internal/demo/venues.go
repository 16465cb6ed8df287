package demo

import (
	"context"
	"time"

	"linli/internal/locale"
	"linli/internal/registry"
	"linli/internal/venues"
)

func init() { Register(70, "生成场地与预约 / venues", demoVenues) }

// venueTeams are the teams that book the community's rooms.
var venueTeams = []string{"夕阳红合唱团", "墨香书法队", "翠苑舞蹈队", "银龄太极队", "亲子读书会", "志愿者服务队", "老年大学国画班"}

var venueTitles = map[string][]string{
	venues.BookerStaff:    {"党员学习会", "网格员例会", "居民代表会", "楼栋长会议", "防诈骗宣讲", "健康讲座"},
	venues.BookerResident: {"生日聚会", "业主协商会", "亲友聚会", "兴趣小组活动"},
}

// demoVenues gives every community of the demo street its rooms and square,
// and the street its own 市民学校; then a year of bookings: 夕阳红合唱团 every
// Tuesday evening in the first community's activity room (one Tuesday
// skipped for the national holiday week), the teams' practice, staff
// meetings and residents' bookings, some still waiting for approval.
func demoVenues(ctx context.Context, env *Env) error {
	a := env.App
	sys := env.System
	rng := env.Rand
	now := time.Now().In(locale.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, locale.Zone)
	from, to := today.AddDate(0, -9, 0), today.AddDate(0, 3, 0)
	weekdays := venues.ParseHours("")
	evenings := venues.ParseHours("")
	for i := range evenings {
		evenings[i] = "08:00-21:30"
	}
	weekdaysOnly := weekdays
	weekdaysOnly[0], weekdaysOnly[6] = "", ""
	type plan struct {
		in    venues.VenueInput
		daily int // bookings on a day, at most
	}
	people, _, err := a.Registry.ListPeople(ctx, sys, registry.Filter{Limit: 400})
	if err != nil {
		return err
	}
	residents := map[int64][]*registry.Person{}
	for _, p := range people {
		residents[p.CommunityID] = append(residents[p.CommunityID], p)
	}
	school := venues.VenueInput{OrgID: env.Result.StreetID, Name: "街道市民学校", Kind: "school", Capacity: 120, Hours: weekdays,
		Equipment: "投影仪、音响、桌椅 120 套", BookStaff: true, BookTeams: true, NeedsApproval: true}
	if _, err := a.Venues.CreateVenue(ctx, sys, school); err != nil {
		return err
	}
	for ci, c := range env.Result.Communities {
		plans := []plan{
			{venues.VenueInput{Name: "多功能活动室", Kind: "activity_room", Capacity: 60, Hours: evenings, Equipment: "音响、钢琴、投影仪",
				BookStaff: true, BookTeams: true, BookResidents: true, NeedsApproval: true}, 3},
			{venues.VenueInput{Name: "图书室", Kind: "library", Capacity: 20, Hours: weekdays, Equipment: "图书 3000 册、阅读桌",
				BookStaff: true, BookTeams: true, BookResidents: true}, 1},
			{venues.VenueInput{Name: "日间照料室", Kind: "day_care", Capacity: 25, Hours: weekdaysOnly, Equipment: "休息床位 10 张、理疗仪",
				BookStaff: true, BookTeams: true}, 1},
			{venues.VenueInput{Name: "二楼会议室", Kind: "meeting_room", Capacity: 30, Hours: weekdays, Equipment: "会议桌、投影仪",
				BookStaff: true}, 2},
			{venues.VenueInput{Name: "文化广场", Kind: "square", Capacity: 300, Hours: evenings, Equipment: "露天舞台、音响",
				BookStaff: true, BookTeams: true, BookResidents: true, NeedsApproval: true}, 2},
		}
		for _, pl := range plans {
			pl.in.OrgID = c
			id, err := a.Venues.CreateVenue(ctx, sys, pl.in)
			if err != nil {
				return err
			}
			held := map[int64]bool{} // slot starts taken, so that the bookings never collide
			take := func(f, t time.Time) bool {
				for s := f; s.Before(t); s = s.Add(venues.Slot) {
					if held[s.UnixMilli()] {
						return false
					}
				}
				for s := f; s.Before(t); s = s.Add(venues.Slot) {
					held[s.UnixMilli()] = true
				}
				return true
			}
			if ci == 0 && pl.in.Kind == "activity_room" {
				// The choir's weekly series, made as the program (it runs into the past).
				holiday := ""
				for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
					if d.Month() == time.October && d.Day() <= 7 && d.Weekday() == time.Tuesday {
						holiday = d.Format(time.DateOnly)
					}
				}
				in := venues.SeriesInput{VenueID: id, Title: "合唱团排练", BookerKind: venues.BookerTeam, Team: "夕阳红合唱团", Attendees: 35,
					Weekdays: []string{"2"}, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), StartTime: "19:00", EndTime: "21:00", Contact: "团长 周阿姨"}
				if holiday != "" {
					in.Except = []string{holiday}
				}
				if _, _, err := a.Venues.BookSeries(ctx, sys, in); err != nil {
					return err
				}
				for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
					if d.Weekday() == time.Tuesday && d.Format(time.DateOnly) != holiday {
						take(d.Add(19*time.Hour), d.Add(21*time.Hour))
					}
				}
			}
			var list []*venues.Booking
			for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
				open, close, ok := pl.in.Hours.Open(d.Weekday())
				if !ok {
					continue
				}
				for k := 0; k < pl.daily; k++ {
					if rng.IntN(100) >= 45 {
						continue
					}
					length := 2 + rng.IntN(5) // half hours
					slots := (close-open)/30 - length
					if slots <= 0 {
						continue
					}
					f := d.Add(time.Duration(open+30*rng.IntN(slots)) * time.Minute)
					t := f.Add(time.Duration(length) * venues.Slot)
					if !take(f, t) {
						continue
					}
					b := &venues.Booking{VenueID: id, StartsAt: f.UnixMilli(), EndsAt: t.UnixMilli(), Status: venues.StatusApproved, Attendees: 5 + rng.IntN(pl.in.Capacity/2+1)}
					switch r := rng.IntN(10); {
					case r < 4 && pl.in.BookTeams:
						b.BookerKind, b.Team = venues.BookerTeam, venueTeams[rng.IntN(len(venueTeams))]
						b.Title = b.Team + "活动"
					case r < 6 && pl.in.BookResidents && len(residents[c]) > 0:
						p := residents[c][rng.IntN(len(residents[c]))]
						b.BookerKind, b.BookerPersonID, b.BookerName, b.Source = venues.BookerResident, p.ID, p.Name, venues.SourcePortal
						b.Title = venueTitles[venues.BookerResident][rng.IntN(len(venueTitles[venues.BookerResident]))]
					default:
						b.BookerKind, b.BookerName = venues.BookerStaff, "李秀英"
						b.Title = venueTitles[venues.BookerStaff][rng.IntN(len(venueTitles[venues.BookerStaff]))]
					}
					if pl.in.NeedsApproval && b.BookerKind != venues.BookerStaff && f.After(now) && rng.IntN(3) == 0 {
						b.Status = venues.StatusPending // waiting: the leader's 待办
					} else if b.BookerKind != venues.BookerStaff && rng.IntN(25) == 0 {
						b.Status = venues.StatusCancelled
					}
					if b.Status == venues.StatusApproved {
						b.DecidedAt = f.Add(-72 * time.Hour).UnixMilli()
					}
					b.CreatedAt = f.Add(-96 * time.Hour).UnixMilli()
					list = append(list, b)
				}
			}
			if err := a.Venues.ImportPast(ctx, sys, c, list); err != nil {
				return err
			}
		}
	}
	return nil
}
