package registry

import (
	"strings"
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
