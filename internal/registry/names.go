package registry

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// Surnames read differently from the character's everyday reading.
var surnameReadings = map[rune]string{
	'单': "shan", '曾': "zeng", '解': "xie", '区': "ou", '仇': "qiu", '朴': "piao", '查': "zha",
	'盖': "ge", '缪': "miao", '翟': "zhai", '乐': "yue", '覃': "qin", '尉': "yu", '令': "ling",
	'繁': "po", '员': "yun", '召': "shao", '种': "chong", '秘': "bi", '折': "she", '华': "hua",
	'沈': "shen", '贾': "jia", '柏': "bai", '褚': "chu", '哈': "ha", '能': "nai",
}

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Fallback = func(r rune, a pinyin.Args) []string {
		// Letters and digits in names (foreigners, "小Q") stand for themselves.
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return []string{strings.ToLower(string(r))}
		}
		return nil
	}
	return a
}()

// Pinyin returns the full pinyin ("zhangsanfeng") and initials ("zsf") of a name.
func Pinyin(name string) (full, initials string) {
	var f, i strings.Builder
	for k, r := range []rune(name) {
		var syl string
		if k == 0 {
			syl = surnameReadings[r]
		}
		if syl == "" {
			ps := pinyin.SinglePinyin(r, pinyinArgs)
			if len(ps) > 0 {
				syl = ps[0]
			}
		}
		if syl == "" {
			continue
		}
		f.WriteString(syl)
		i.WriteByte(syl[0])
	}
	return f.String(), i.String()
}

// Grams are the two-character pieces of a name that the search index keeps;
// a one-character name is kept whole.
func Grams(name string) []string {
	r := []rune(strings.TrimSpace(name))
	if len(r) <= 2 {
		if len(r) == 0 {
			return nil
		}
		return []string{string(r)}
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(r)-1)
	for i := 0; i+1 < len(r); i++ {
		g := string(r[i : i+2])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// pinyinPrefixes holds every prefix of every toneless syllable go-pinyin knows
// (with "v" for ü), and syllables the whole ones. Interjections that are no
// more than consonants (m, n, ng, hm, hng) are left out: no name is read so, and
// keeping them would make nearly any string of initials look like pinyin.
var pinyinPrefixes = sync.OnceValue(func() map[string]bool {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Heteronym = true
	set := map[string]bool{}
	for r := rune(0x4e00); r <= 0x9fff; r++ {
		for _, syl := range pinyin.SinglePinyin(r, a) {
			if !isLowerASCII(syl) || !strings.ContainsAny(syl, "aeiouv") {
				continue
			}
			set[syl] = true
			for k := 1; k < len(syl); k++ {
				if !set[syl[:k]] {
					set[syl[:k]] = false
				}
			}
		}
	}
	return set
})

func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// couldBePinyin reports whether s (lower case) is the beginning of some run of
// syllables: "zhangs" could be, "zs" could not.
func couldBePinyin(s string) bool {
	set := pinyinPrefixes()
	reach := make([]bool, len(s)+1)
	reach[0] = true
	for i := 0; i < len(s); i++ {
		if !reach[i] {
			continue
		}
		for j := i + 1; j <= len(s) && j-i <= 6; j++ {
			whole, known := set[s[i:j]]
			if !known {
				break
			}
			if j == len(s) {
				return true // ends inside or at the end of a syllable
			}
			if whole {
				reach[j] = true
			}
		}
	}
	return false
}

// couldBeInitials reports whether s (lower case) may be a name's initials: no
// syllable begins with i, u or v, and a string that also reads as pinyin is
// taken as initials only while it is as short as names are (up to 4).
func couldBeInitials(s string) bool {
	return !strings.ContainsAny(s, "iuv") && (len(s) <= 4 || !couldBePinyin(s))
}
