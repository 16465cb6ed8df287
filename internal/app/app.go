// Package app wires Linli's modules together: one place that knows every module,
// the order of their migrations and the routes they add to the web shell.
package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"linli/internal/activities"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/campaigns"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/goals"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/opinions"
	"linli/internal/org"
	"linli/internal/patrols"
	"linli/internal/places"
	"linli/internal/privacy"
	"linli/internal/registry"
	"linli/internal/reports"
	"linli/internal/settings"
	"linli/internal/venues"
	"linli/internal/volunteers"
	"linli/internal/web"
	"linli/internal/workplans"
)

// Migrations lists every module's schema in dependency order.
func Migrations() []db.Migrations {
	return []db.Migrations{
		settings.Migrations,
		audit.Migrations,
		org.Migrations,
		auth.Migrations,
		places.Migrations,
		registry.Migrations,
		importflow.Migrations,
		calendar.Migrations,
		cases.Migrations,
		followups.Migrations,
		patrols.Migrations,
		opinions.Migrations,
		venues.Migrations,
		volunteers.Migrations,
		activities.Migrations,
		goals.Migrations,
		reports.Migrations,
		campaigns.Migrations,
		workplans.Migrations,
	}
}

// Options configure an App.
type Options struct {
	DB          *db.DB
	Keys        *privacy.Keys
	Log         *slog.Logger
	Web         web.Config
	IdleTimeout time.Duration
	// TempDir holds uploads while they are read ("" = the system default).
	TempDir string
}

// App is a running Linli: its services and its HTTP handler.
type App struct {
	DB        *db.DB
	Keys      *privacy.Keys
	Audit     *audit.Log
	Auth      *auth.Service
	Org       *org.Service
	Places    *places.Service
	Registry  *registry.Service
	Imports   *importflow.Service
	Web       *web.Server
	Calendar  *calendar.Service
	Cases     *cases.Service
	Followups *followups.Service
	Patrols   *patrols.Service
	Opinions  *opinions.Service
	Venues    *venues.Service
	// Volunteers (志愿者): volunteers, teams, service records, experts.
	Volunteers *volunteers.Service

	Activities *activities.Service
	// Goals (指标与目标): indicators, targets, entered figures, the board.
	Goals *goals.Service
	// Reports (报表与上报): report forms, reports, their review.
	Reports *reports.Service
	// Campaigns (创建): templates, a community's runs, evidence, checks.
	Campaigns *campaigns.Service
	// Workplans (工作计划与总结): plans, tasks, the summary drafted from the board.
	Workplans *workplans.Service

	// workers run in the background of "serve" (time limits, reminders, publicity
	// periods). Each must be safe with several instances on one database: claim
	// work with a conditional UPDATE, never with locks held across instances.
	workers []Worker
}

// Worker is a background task: Run returns when ctx ends.
type Worker struct {
	Name string
	Run  func(ctx context.Context)
}

// AddWorker registers a background task.
func (a *App) AddWorker(w Worker) { a.workers = append(a.workers, w) }

// Start runs the workers until ctx ends; the returned function waits for them.
func (a *App) Start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func(w Worker) {
			defer wg.Done()
			w.Run(ctx)
		}(w)
	}
	return func() { wg.Wait(); a.Imports.Wait() }
}

// New builds the services on an already migrated database.
func New(opts Options) *App {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{DB: opts.DB, Keys: opts.Keys}
	a.Audit = audit.New(opts.Keys.Derive("audit-chain"))
	a.Org = &org.Service{DB: opts.DB, Audit: a.Audit}
	a.Auth = &auth.Service{DB: opts.DB, Audit: a.Audit, Keys: opts.Keys, Orgs: a.Org, DefaultIdle: opts.IdleTimeout}
	a.Places = &places.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org}
	a.Registry = &registry.Service{DB: opts.DB, Audit: a.Audit, Keys: opts.Keys, Org: a.Org, Places: a.Places}
	a.Places.BuildingGridChanged = append(a.Places.BuildingGridChanged, registry.FollowBuildingGrid)
	a.Places.DwellingUsers = append(a.Places.DwellingUsers, dwellingUsers)
	a.Web = web.NewServer(opts.Web, opts.DB, a.Auth, a.Audit, log)
	doc, err := OpenAPI()
	if err != nil {
		panic(err) // a broken fragment is a build mistake; the OpenAPI test names it
	}
	a.Web.OpenAPI = doc
	a.Imports = &importflow.Service{DB: opts.DB, Audit: a.Audit, Log: log, TempDir: opts.TempDir}
	a.Web.Metrics.AddCounter("linli_import_excelize_fallbacks_total",
		"Spreadsheet files opened whose reading the fast xlsx reader handed to excelize, by reason.",
		"reason", importexport.Fallbacks)
	a.Org.Routes(a.Web)
	a.Places.Routes(a.Web)
	a.Registry.Routes(a.Web)
	a.Imports.Routes(a.Web, places.Importer{S: a.Places}, "/places/import")
	a.Imports.Routes(a.Web, registry.Importer{S: a.Registry}, "/registry/import")
	a.Registry.ExportRoutes(a.Web)
	a.Imports.Communities = a.importCommunities
	a.Imports.Grids = a.importGrids

	a.Calendar = &calendar.Service{DB: opts.DB, Audit: a.Audit, Loc: web.Local}
	a.Cases = &cases.Service{DB: opts.DB, Audit: a.Audit, Keys: opts.Keys, Org: a.Org, Places: a.Places, Calendar: a.Calendar, Log: log}
	a.Cases.RegisterLinkKind(cases.LinkPerson, personTargets{a.Registry})
	a.Cases.RegisterLinkKind(cases.LinkHousehold, householdTargets{a.Registry})
	a.Cases.RegisterLinkKind(cases.LinkDwelling, a.Cases.DwellingResolver())
	a.Cases.ResidentHome = a.Registry.ResidentHome
	a.Registry.Related = append(a.Registry.Related, householdCases(a.Cases))
	a.Calendar.Routes(a.Web)
	a.Cases.Routes(a.Web)
	a.AddWorker(Worker{Name: "cases", Run: a.Cases.RunWorker})

	a.Followups = &followups.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Calendar: a.Calendar, Registry: followupSubjects{opts.DB, a.Registry}, Log: log,
		TagChoices: followupTags(a.Registry)}
	a.Followups.Routes(a.Web)
	a.Followups.APIRoutes(a.Web)
	a.Registry.Related = append(a.Registry.Related, householdFollowups(a.Followups))
	a.AddWorker(Worker{Name: "followups", Run: a.Followups.RunWorker})
	a.Imports.Routes(a.Web, followups.Importer{S: a.Followups}, "/followups/import")
	a.Followups.Cases = followupCases{a.Cases}
	a.Cases.RegisterLinkKind(linkFollowupRecord, followupRecordTargets{a.Followups})
	a.Patrols = &patrols.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Places: a.Places, Findings: patrolFindings(a.Cases)}
	a.Patrols.Routes(a.Web)
	a.Patrols.APIRoutes(a.Web)
	a.Cases.RegisterLinkKind(cases.LinkPatrol, patrolTargets{a.Patrols})

	a.Opinions = &opinions.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Keys: opts.Keys, Log: log,
		Cases: opinionCases{a.Cases}, Visits: opinionVisits{opts.DB, a.Followups}, People: opinionPeople{a.Registry}}
	a.Cases.RegisterLinkKind(linkOpinion, opinionTargets{a.Opinions})
	a.Opinions.Routes(a.Web)
	a.Opinions.APIRoutes(a.Web)

	a.Venues = &venues.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Home: residentCommunity(a.Registry), People: venuePeople{a.Registry}}
	a.Venues.Routes(a.Web)
	a.Venues.APIRoutes(a.Web)
	a.Registry.Related = append(a.Registry.Related, personVenueBookings(a.Venues))

	a.Volunteers = &volunteers.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Keys: opts.Keys, People: volunteerPeople{a.Registry}, Home: a.Registry.ResidentHome}
	a.Volunteers.Routes(a.Web)
	a.Volunteers.APIRoutes(a.Web)
	a.Imports.Routes(a.Web, volunteers.Importer{S: a.Volunteers}, "/volunteers/import")
	a.Registry.Related = append(a.Registry.Related, personVolunteerHours(a.Volunteers))
	a.Activities = &activities.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, People: activityPeople{a.Registry}, Venues: activityVenues{a.Venues},
		Home: residentCommunity(a.Registry)}
	a.Activities.Volunteers = activityVolunteers{a.Volunteers}
	a.Activities.Expert = activitySpeakers{a.Volunteers}
	a.Activities.Teams = activityVolunteers{a.Volunteers}
	a.Activities.Routes(a.Web)
	a.Activities.APIRoutes(a.Web)
	a.Imports.Routes(a.Web, activities.Importer{S: a.Activities}, "/activities/ledger/import")
	a.Registry.Related = append(a.Registry.Related, personActivities(a.Activities))
	a.Goals = &goals.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org}
	a.Goals.Register(goalCases{a.Cases})
	a.Goals.Register(goalRegistry{a.Registry})
	a.Goals.Register(goalVisits{a.Followups})
	a.Goals.Register(goalActivities{a.Activities, a.Registry})
	a.Goals.Register(goalVolunteers{a.Volunteers, a.Registry})
	a.Goals.Routes(a.Web)
	a.Goals.APIRoutes(a.Web)
	a.Reports = &reports.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Figures: reportFigures{a.Goals}}
	a.Reports.Routes(a.Web)
	a.Reports.APIRoutes(a.Web)
	a.Campaigns = &campaigns.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Links: map[string]campaigns.Linker{
		campaigns.LinkActivity: campaignActivities{a.Activities}, campaigns.LinkCase: campaignCases{a.Cases}, campaigns.LinkVisit: campaignVisits{a.Followups}}}
	a.Campaigns.Routes(a.Web)
	a.Campaigns.APIRoutes(a.Web)
	a.Workplans = &workplans.Service{DB: opts.DB, Audit: a.Audit, Org: a.Org, Board: workplanBoard{a.Goals}}
	a.Workplans.Routes(a.Web)
	a.Workplans.APIRoutes(a.Web)
	if opts.DB.Dialect() == db.SQLite {
		a.AddWorker(Worker{Name: "planner-statistics", Run: func(ctx context.Context) { refreshStatistics(ctx, opts.DB, log, 24*time.Hour) }})
	}
	return a
}

// refreshStatistics re-reads SQLite's planner statistics every interval, so
// that day-to-day edits never leave the plans behind the data. (Imports
// refresh them at once; PostgreSQL's autovacuum does this itself.)
func refreshStatistics(ctx context.Context, d *db.DB, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.Analyze(ctx); err != nil && ctx.Err() == nil {
				log.Warn("planner statistics", "err", err)
			}
		}
	}
}

// importCommunities are the communities a user may import ledgers into: those
// wholly in their scope.
func (a *App) importCommunities(ctx context.Context, p *auth.Principal) ([]importflow.CommunityOption, error) {
	units, err := a.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	var out []importflow.CommunityOption
	for _, u := range units {
		if p.Scope.AllowsCommunity(u.ID) {
			out = append(out, importflow.CommunityOption{ID: u.ID, Name: u.Name})
		}
	}
	return out, nil
}

// importGrids are a community's grids, offered for a ledger's new buildings.
func (a *App) importGrids(ctx context.Context, communityID int64) ([]importflow.CommunityOption, error) {
	units, err := a.Org.Visible(ctx, auth.System("import"))
	if err != nil {
		return nil, err
	}
	var out []importflow.CommunityOption
	for _, u := range units {
		if u.Level == org.Grid && u.CommunityID == communityID {
			out = append(out, importflow.CommunityOption{ID: u.ID, Name: u.Name})
		}
	}
	return out, nil
}

// Migrate brings the database up to date.
func Migrate(ctx context.Context, d *db.DB) (int, error) {
	n, err := d.Migrate(ctx, Migrations())
	if err != nil {
		return n, err
	}
	// SQLite plans its searches well only with statistics, which it keeps only
	// when asked. Imports refresh them and a worker does daily; a database that
	// never had any gets them now.
	has, err := d.HasStatistics(ctx)
	if err == nil && !has {
		err = d.Analyze(ctx)
	}
	return n, err
}
