package registry

import (
	"strings"
	"testing"
	"time"
)

func TestPeopleRowsEscapeAndLabel(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	people := []*Person{
		{ID: 7, Name: `<script>alert("x")</script>`, Sex: "F", BirthDate: "1980-01-02", IDMask: "110***********1234", PhoneMask: "138****5678",
			Address: `3幢<i>201</i>`, HouseholdID: 9, HouseholdNumber: `H&1`, Relation: "spouse", ResidenceType: "registered", Status: StatusActive,
			Tags: []*Tag{{Name: "低保", Sensitivity: 1}, {Name: "党员"}}},
		{ID: 8, Name: "李四", Status: StatusDeceased, ResidenceType: "registered"},
	}
	out := string(peopleRows(people, now))
	for _, want := range []string{
		`<a href="/registry/people/7">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</a>`,
		`data-label="性别">女</td>`,
		`class="c-age" data-label="年龄">46 岁</td>`,
		`110***********1234`, `138****5678`,
		`<span class="addr">3幢&lt;i&gt;201&lt;/i&gt;</span>`, `data-label="人员类型">户籍人口</td>`,
		`<a href="/registry/households/9">H&amp;1</a> · 配偶`,
		`<span class="badge warn">低保</span> <span class="badge">党员</span>`,
		`李四</a> <span class="badge">已故</span>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rows lack %s\n%s", want, out)
		}
	}
	if strings.Contains(out, "<script>") || strings.Count(out, "<tr>") != 2 {
		t.Errorf("unescaped or wrong rows:\n%s", out)
	}
	if empty := string(peopleRows(nil, now)); !strings.Contains(empty, `colspan="9"`) {
		t.Errorf("empty list: %s", empty)
	}
}
