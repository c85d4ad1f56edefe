package seedfile

import (
	"reflect"
	"strings"
	"testing"
)

// checkParallel: whenever the parallel reader gives an answer, it is the
// sequential reader's answer.
func checkParallel(t *testing.T, data []byte, workers int) (used bool) {
	t.Helper()
	par := readPSKCParallel(data, DefaultMaxTokens, workers, 1, nil)
	if par == nil {
		return false
	}
	seq, err := readPSKCSequential(data, DefaultMaxTokens, nil)
	if err != nil {
		t.Fatalf("parallel read succeeded where the sequential one fails: %v", err)
	}
	if !reflect.DeepEqual(par, seq) {
		if len(par.packages) != len(seq.packages) {
			t.Fatalf("parallel read has %d key packages, sequential %d", len(par.packages), len(seq.packages))
		}
		for i := range par.packages {
			if !reflect.DeepEqual(par.packages[i], seq.packages[i]) {
				t.Fatalf("key package %d differs:\n par %+v\n seq %+v", i+1, par.packages[i], seq.packages[i])
			}
		}
		t.Fatal("parallel and sequential reads differ in the header")
	}
	return true
}

func TestPSKCParallelMatchesSequential(t *testing.T) {
	toks := randomTokens(40, 11)
	enc := writePSKCString(t, toks, PSKCWriteOptions{Key: make([]byte, 16)})
	plain := writePSKCString(t, toks, PSKCWriteOptions{Plaintext: true})
	after := func(s, marker, insert string, nth int) string {
		i := -1
		for range nth {
			i += 1 + strings.Index(s[i+1:], marker)
		}
		return s[:i] + insert + s[i:]
	}
	clean := []struct {
		name string
		in   string
	}{
		{"encrypted", enc},
		{"plaintext", plain},
		{"default namespace", strings.ReplaceAll(strings.ReplaceAll(plain, "pskc:", ""), "xmlns:KeyContainer", "xmlns")},
		{"elements and comments between packages", after(plain, "<pskc:KeyPackage>", "<!-- note --><ds:Signature xmlns:ds=\"x\"><a/></ds:Signature>\n", 7)},
		{"trailing comment", plain + "<!-- end -->\n"},
	}
	for _, tc := range clean {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range []int{2, 3, 7} {
				if !checkParallel(t, []byte(tc.in), w) {
					t.Errorf("%d workers: the parallel reader declined a clean file", w)
				}
			}
		})
	}
	// Each of these must make the parallel reader decline (or agree).
	doubtful := []string{
		after(plain, "<pskc:KeyPackage>", "<!-- <pskc:KeyPackage> -->", 5),
		after(plain, "<pskc:KeyPackage>", "<x><![CDATA[ <KeyPackage> ]]></x>", 5),
		after(plain, "<pskc:KeyPackage>", "<wrapper>", 5) + "</wrapper>",
		after(plain, "<pskc:KeyPackage>", `<x a="<KeyPackage>"/>`, 5),
		after(plain, "</pskc:KeyPackage>", "<pskc:KeyPackage>", 9),
		after(plain, "<pskc:KeyPackage>", "</pskc:KeyContainer>", 9),
		after(plain, "<pskc:KeyPackage>", "<pskc:EncryptionKey/>", 9),
		after(plain, "<pskc:KeyPackage>", "<pskc:MACMethod/>", 20),
		after(plain, "</pskc:DeviceInfo>", "</pskc:Data>", 12),
		after(plain, "<pskc:KeyPackage>", "&bogus;", 12),
		strings.Replace(plain, "</pskc:KeyContainer>", "", 1),
		strings.Replace(plain, `<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="ISO-8859-1"?>`, 1),
		plain[:len(plain)/2],
		"<KeyPackage><KeyPackage></KeyPackage></KeyPackage>" + plain,
		strings.Replace(plain, "<pskc:KeyContainer", "<pskc:Other", 1),
	}
	for i, in := range doubtful {
		for _, w := range []int{2, 3} {
			checkParallel(t, []byte(in), w)
		}
		// And whatever happens, Parse gives the sequential answer.
		_, errSeq := readPSKCSequential([]byte(in), DefaultMaxTokens, nil)
		_, errParse := readPSKC([]byte(strings.Repeat(" ", parallelMinBytes)+in), DefaultMaxTokens, nil)
		if (errSeq == nil) != (errParse == nil) {
			t.Errorf("case %d: sequential error %v, readPSKC error %v", i, errSeq, errParse)
		}
	}
}

func TestKeyPackageStarts(t *testing.T) {
	in := `<a><KeyPackage><x:KeyPackage a="1"><KeyPackage/></KeyPackage><KeyPackageX><y:KeyPackage` + "\n" + `></p:KeyPackage>KeyPackage`
	got := keyPackageStarts([]byte(in))
	want := []int{3, 15, 35, 74}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("starts %v", got)
	}
}
