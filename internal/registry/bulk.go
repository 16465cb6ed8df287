package registry

import (
	"context"

	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/places"
)

// BulkWriter writes many people and households in one transaction through
// batched multi-row inserts with ids handed out in advance: the ledger import
// and the demo generator write a million people this way.
type BulkWriter struct {
	now        int64
	today      string
	personIDs  *db.IDs
	houseIDs   *db.IDs
	person     *db.Batch
	gram       *db.Batch
	residence  *db.Batch
	tag        *db.Batch
	household  *db.Batch
	identity   *db.Batch
	households int
	parents    []*db.Batch
}

// inBulkTx runs a bulk load in one transaction whose batches load with COPY
// on PostgreSQL (db.InBulkTx).
func (s *Service) inBulkTx(ctx context.Context, fn func(tx *db.Tx) error) error {
	defer registryChanged()
	// The load may add estates and buildings: searches know them at once.
	defer places.EstatesChanged()
	return s.DB.InBulkTx(ctx, fn)
}

// NewBulkWriter prepares the batches inside tx.
func (s *Service) NewBulkWriter(ctx context.Context, tx *db.Tx) (*BulkWriter, error) {
	b := &BulkWriter{now: db.Now(), today: s.todayISO()}
	var err error
	if b.personIDs, err = tx.IDs(ctx, "reg_person"); err != nil {
		return nil, err
	}
	if b.houseIDs, err = tx.IDs(ctx, "reg_household"); err != nil {
		return nil, err
	}
	b.person = tx.NewBatch("reg_person", []string{"id", "community_id", "grid_id", "household_id", "relation", "dwelling_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
		"id_type", "id_enc", "id_hash", "id_mask", "id_tail", "phone_enc", "phone_hash", "phone_mask", "phone_tail", "ethnicity", "political", "education", "marital", "employer", "hukou_address",
		"residence_type", "status", "extra", "remark", "created_at", "updated_at"}, 200)
	b.gram = tx.NewBatch("reg_name_gram", []string{"gram", "person_id", "community_id", "grid_id"}, 500)
	b.residence = tx.NewBatch("reg_residence", []string{"person_id", "community_id", "dwelling_id", "type", "from_on", "created_at"}, 500)
	b.tag = tx.NewBatch("reg_person_tag", []string{"person_id", "tag_id", "community_id", "grid_id", "created_at"}, 500)
	// Every document in reg_identity with its person (write.go), in the same
	// transaction; the import has checked them against it and the file.
	b.identity = tx.NewBatch("reg_identity", []string{"id_hash", "community_id", "person_id"}, 500)
	b.household = tx.NewBatch("reg_household", []string{"id", "community_id", "grid_id", "dwelling_id", "number", "number_key", "head_person_id", "members", "status", "created_at", "updated_at"}, 300)
	// People refer to households (and dwellings); residences and groups refer to people.
	b.person.Before = b.writeParents
	b.residence.Before = b.person.Write
	b.tag.Before = b.person.Write
	return b, nil
}

// DependsOn makes batch b be written before any person (and household) row: a
// batch of new dwellings the people and households move into.
func (b *BulkWriter) DependsOn(batch *db.Batch) {
	b.parents = append(b.parents, batch)
	b.household.Before = func(ctx context.Context) error {
		for _, p := range b.parents {
			if err := p.Write(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

func (b *BulkWriter) writeParents(ctx context.Context) error {
	for _, p := range b.parents {
		if err := p.Write(ctx); err != nil {
			return err
		}
	}
	return b.household.Write(ctx)
}

// NextPersonID hands out the id a person will get (to name a household's head
// before writing either).
func (b *BulkWriter) NextPersonID(ctx context.Context) (int64, error) { return b.personIDs.Next(ctx) }

// Person queues a person with id (0 = a new one), already checked: in carries
// the plain fields, f the identity fields checkIdentity produced.
func (b *BulkWriter) Person(ctx context.Context, id int64, in *PersonInput, f identityFields, pl placement, hh int64, extras map[string]string, tags []int64, since string) (int64, error) {
	var err error
	if id == 0 {
		if id, err = b.personIDs.Next(ctx); err != nil {
			return 0, err
		}
	}
	if since == "" {
		since = b.today
	}
	full, initials := Pinyin(in.Name)
	if err := b.person.Add(ctx, id, pl.community, nullInt(pl.grid), nullInt(hh), relationOrBlank(hh, in.Relation), nullInt(pl.dwelling), in.Name, full, initials, f.sex, f.birth,
		f.idType, f.idEnc, nullStr(f.idHash), f.idMask, f.idTail, f.phoneEnc, nullStr(f.phoneHash), f.phoneMask, f.phoneTail,
		in.Ethnicity, in.Political, in.Education, in.Marital, in.Employer, in.HukouAddress, in.ResidenceType, StatusActive, extraJSON(extras), in.Remark, b.now, b.now); err != nil {
		return 0, err
	}
	if f.idHash != "" {
		if err := b.identity.Add(ctx, f.idHash, pl.community, id); err != nil {
			return 0, err
		}
	}
	for _, g := range Grams(in.Name) {
		if err := b.gram.Add(ctx, g, id, pl.community, nullInt(pl.grid)); err != nil {
			return 0, err
		}
	}
	if err := b.residence.Add(ctx, id, pl.community, nullInt(pl.dwelling), in.ResidenceType, since, b.now); err != nil {
		return 0, err
	}
	for _, t := range tags {
		if err := b.tag.Add(ctx, id, t, pl.community, nullInt(pl.grid), b.now); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Household queues a household with its head and member count.
func (b *BulkWriter) Household(ctx context.Context, pl placement, number string, head int64, members int) (int64, error) {
	id, err := b.houseIDs.Next(ctx)
	if err != nil {
		return 0, err
	}
	b.households++
	return id, b.household.Add(ctx, id, pl.community, nullInt(pl.grid), nullInt(pl.dwelling), number, nullStr(number), nullInt(head), members, "active", b.now, b.now)
}

// Flush writes everything queued. Parents go first: people refer to them.
func (b *BulkWriter) Flush(ctx context.Context) error {
	for _, bt := range append(append([]*db.Batch{}, b.parents...), b.household, b.person, b.identity, b.gram, b.residence, b.tag) {
		if err := bt.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Add queues a person given as a PersonInput (checked like any other: a bad ID
// number is an error) with an explicit id (0 = a new one). It returns the id.
func (b *BulkWriter) Add(ctx context.Context, s *Service, id int64, in PersonInput, community, grid, dwelling, household int64, tagIDs []int64, since string) (int64, error) {
	errs := &i18n.Errors{}
	checkBasics(&in, errs)
	f := s.checkIdentity(&in, errs)
	if errs.Any() {
		return 0, errs
	}
	return b.Person(ctx, id, &in, f, placement{community: community, grid: grid, dwelling: dwelling}, household, in.Extra, tagIDs, since)
}

// AddHousehold queues a household with its head and member count.
func (b *BulkWriter) AddHousehold(ctx context.Context, community, grid, dwelling int64, number string, head int64, members int) (int64, error) {
	return b.Household(ctx, placement{community: community, grid: grid, dwelling: dwelling}, number, head, members)
}

// TagIDs maps tag codes to ids (all tags, for generators running as the system).
func (s *Service) TagIDs(ctx context.Context) (map[string]int64, error) {
	all, err := s.allTags(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, t := range all {
		out[t.Code] = t.ID
	}
	return out, nil
}
