package devices

import "testing"

func TestUserNameKeyFoldsLookAlikes(t *testing.T) {
	same := [][2]string{
		{"alice", " alice "}, {"alice", "ALICE"}, {"alice", "\uff21lice"}, {"alice", "\u24d0lice"},
		{"strasse", "STRA\u00dfE"}, {"\u03c3\u03bf\u03c6\u03bf\u03c2", "\u03a3\u039f\u03a6\u039f\u03a3"},
		{"jos\u00e9", "JOSE\u0301"}, {"kelvin", "\u212aelvin"},
	}
	for _, p := range same {
		if UserNameKey(p[0]) != UserNameKey(p[1]) {
			t.Errorf("%q and %q should share a key: %q vs %q", p[0], p[1], UserNameKey(p[0]), UserNameKey(p[1]))
		}
	}
	for _, p := range [][2]string{{"alice", "alicia"}, {"al ice", "alice"}, {"jos\u00e9", "jose"}} {
		if UserNameKey(p[0]) == UserNameKey(p[1]) {
			t.Errorf("%q and %q are different names but share a key", p[0], p[1])
		}
	}
	if got := NormalizeUserName("\t jose\u0301\u00a0"); got != "jos\u00e9" {
		t.Errorf("NormalizeUserName = %q", got)
	}
	// Stored names keep their case and width: only the key folds them.
	if got := NormalizeUserName("\uff21lice"); got != "\uff21lice" {
		t.Errorf("NormalizeUserName changed a compatibility form: %q", got)
	}
}
