package importexport

import (
	"encoding/binary"
	"errors"
	"io"
	"unicode/utf16"
)

// An OLE2 compound file (MS-CFB) is what both legacy .xls workbooks and
// password-protected .xlsx files are. To tell them apart we only need the
// names in its directory, plus the first bytes of the "Workbook" stream to see
// whether an .xls is encrypted. This reader does exactly that, with every
// offset and chain length checked, so that hostile input costs at most a few
// megabytes and never panics.

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

const (
	cfbEndOfChain = 0xFFFFFFFE
	cfbMaxRegSect = 0xFFFFFFFA
	cfbMaxEntries = 1 << 16 // directory entries read at most; real files have a handful
)

var errCFB = errors.New("malformed compound file")

type cfbEntry struct {
	name  string
	kind  byte // 1 storage, 2 stream, 5 root
	start uint32
	size  uint64
}

type cfbFile struct {
	r          io.ReaderAt
	size       int64
	sectorSize int64
	fat        []uint32
	miniCutoff uint64
	entries    []cfbEntry
}

func readCFB(r io.ReaderAt, size int64) (*cfbFile, error) {
	hdr := make([]byte, 512)
	if size < 512 {
		return nil, errCFB
	}
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, errCFB
	}
	le := binary.LittleEndian
	shift := le.Uint16(hdr[30:])
	if shift != 9 && shift != 12 {
		return nil, errCFB
	}
	c := &cfbFile{r: r, size: size, sectorSize: 1 << shift, miniCutoff: uint64(le.Uint32(hdr[56:]))}
	nSectors := uint32((size - 1) / c.sectorSize) // sectors after the header, rounded up
	numFAT := le.Uint32(hdr[44:])
	// A FAT sector maps sectorSize/4 sectors; allow slack for generous writers
	// but not so much that a forged count makes us allocate hundreds of MB.
	if need := nSectors/uint32(c.sectorSize/4) + 1; numFAT == 0 || numFAT > 2*need+1 {
		return nil, errCFB
	}
	// FAT sector numbers: the first 109 sit in the header, the rest in a chain
	// of DIFAT sectors.
	fatSectors := make([]uint32, 0, min(numFAT, 109))
	for i := 0; i < 109 && uint32(len(fatSectors)) < numFAT; i++ {
		fatSectors = append(fatSectors, le.Uint32(hdr[76+4*i:]))
	}
	difat, numDIFAT := le.Uint32(hdr[68:]), le.Uint32(hdr[72:])
	perDIFAT := int(c.sectorSize/4) - 1
	buf := make([]byte, c.sectorSize)
	for n := uint32(0); uint32(len(fatSectors)) < numFAT; n++ {
		if n >= numDIFAT || n > nSectors || difat > cfbMaxRegSect {
			return nil, errCFB
		}
		if err := c.readSector(difat, buf); err != nil {
			return nil, err
		}
		for i := 0; i < perDIFAT && uint32(len(fatSectors)) < numFAT; i++ {
			fatSectors = append(fatSectors, le.Uint32(buf[4*i:]))
		}
		difat = le.Uint32(buf[4*perDIFAT:])
	}
	c.fat = make([]uint32, 0, int64(numFAT)*c.sectorSize/4)
	for _, s := range fatSectors {
		if err := c.readSector(s, buf); err != nil {
			return nil, err
		}
		for i := int64(0); i < c.sectorSize; i += 4 {
			c.fat = append(c.fat, le.Uint32(buf[i:]))
		}
	}
	// Directory: a chain of sectors holding 128-byte entries.
	err := c.chain(le.Uint32(hdr[48:]), func(b []byte) bool {
		for off := 0; off+128 <= len(b); off += 128 {
			e := b[off : off+128]
			nameLen := int(le.Uint16(e[64:]))
			if e[66] == 0 || nameLen < 2 || nameLen > 64 {
				continue // unused slot
			}
			u := make([]uint16, nameLen/2-1)
			for i := range u {
				u[i] = le.Uint16(e[2*i:])
			}
			size := le.Uint64(e[120:])
			if shift == 9 {
				size &= 0xFFFFFFFF // version 3 files may leave garbage in the high half
			}
			c.entries = append(c.entries, cfbEntry{
				name: string(utf16.Decode(u)), kind: e[66], start: le.Uint32(e[116:]), size: size,
			})
			if len(c.entries) >= cfbMaxEntries {
				return false
			}
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cfbFile) readSector(n uint32, buf []byte) error {
	if n > cfbMaxRegSect {
		return errCFB
	}
	off := (int64(n) + 1) * c.sectorSize
	if off+c.sectorSize > c.size {
		// The last sector of a file may be cut short; zero-fill what is missing.
		if off >= c.size {
			return errCFB
		}
		clear(buf)
		_, err := c.r.ReadAt(buf[:c.size-off], off)
		if err != nil && err != io.EOF {
			return errCFB
		}
		return nil
	}
	if _, err := c.r.ReadAt(buf, off); err != nil {
		return errCFB
	}
	return nil
}

// chain calls fn with each sector of the FAT chain starting at start until fn
// returns false or the chain ends; a chain longer than the FAT is a loop.
func (c *cfbFile) chain(start uint32, fn func([]byte) bool) error {
	buf := make([]byte, c.sectorSize)
	for n, s := 0, start; s != cfbEndOfChain; n++ {
		if n > len(c.fat) || int(s) >= len(c.fat) {
			return errCFB
		}
		if err := c.readSector(s, buf); err != nil {
			return err
		}
		if !fn(buf) {
			return nil
		}
		s = c.fat[s]
	}
	return nil
}

func (c *cfbFile) has(name string) bool {
	_, ok := c.find(name)
	return ok
}

func (c *cfbFile) find(name string) (cfbEntry, bool) {
	for _, e := range c.entries {
		if e.kind == 2 && equalFoldASCII(e.name, name) {
			return e, true
		}
	}
	return cfbEntry{}, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// encryptedXLS reports whether a legacy workbook stream starts with a
// FILEPASS record, which MS-XLS places right after the first BOF record when
// the workbook has a password to open. A small stream lives in the mini
// stream; such a tiny workbook is not worth decoding, so it reports false.
func (c *cfbFile) encryptedXLS(wb cfbEntry) bool {
	if wb.size < c.miniCutoff || wb.size < 8 {
		return false
	}
	var first []byte
	_ = c.chain(wb.start, func(b []byte) bool {
		first = append([]byte(nil), b...)
		return false
	})
	if len(first) < 8 {
		return false
	}
	le := binary.LittleEndian
	const bof, filepass = 0x0809, 0x002F
	if le.Uint16(first[0:]) != bof {
		return false
	}
	next := 4 + int(le.Uint16(first[2:]))
	return next+2 <= len(first) && le.Uint16(first[next:]) == filepass
}
