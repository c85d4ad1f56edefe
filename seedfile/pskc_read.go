package seedfile

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// Reading the XML of a PSKC file into a pskcDoc.
//
// The walk is written by hand over xml.Decoder.RawToken rather than
// through xml.Unmarshal: reflection and namespace translation cost as much
// again as tokenizing, and a delivery can hold a million key packages.
// RawToken does not check that end tags match their start tags, so the
// walk does (see xmlReader.end); everything else about well-formedness
// (syntax, entities, attribute quoting, character ranges) is still
// encoding/xml's.
//
// Big files are read in parallel: the text is cut just before each
// "<KeyPackage" start tag, the groups between cuts are read by separate
// decoders, and any doubt (a cut inside a comment, CDATA, an attribute or
// another element; a group that does not consist of whole key packages)
// makes the reader start again sequentially, whose answer, error or not,
// is the authoritative one. The parallel result is only used when it is
// the same as the sequential one would be; FuzzParsePSKC checks that.

// xmlReader walks one decoder's tokens.
type xmlReader struct {
	d          *xml.Decoder
	lineOffset int // lines before the text this decoder reads
}

func newXMLReader(data []byte, lineOffset int) *xmlReader {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	return &xmlReader{d: d, lineOffset: lineOffset}
}

func (x *xmlReader) line() int {
	l, _ := x.d.InputPos()
	return l + x.lineOffset
}

func (x *xmlReader) next() (xml.Token, error) { return x.d.RawToken() }

// end checks that an end tag closes the element it should.
func (x *xmlReader) end(start *xml.StartElement, e xml.EndElement) error {
	if e.Name != start.Name {
		l, _ := x.d.InputPos()
		return &xml.SyntaxError{Msg: "mismatched end tag", Line: l}
	}
	return nil
}

// skip consumes the element just opened, to its end tag.
func (x *xmlReader) skip(start *xml.StartElement) error {
	stack := []xml.Name{start.Name}
	for len(stack) > 0 {
		tok, err := x.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
		case xml.EndElement:
			if t.Name != stack[len(stack)-1] {
				l, _ := x.d.InputPos()
				return &xml.SyntaxError{Msg: "mismatched end tag", Line: l}
			}
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

// children calls f for each child element of start, up to start's end
// tag. A child f does not consume (returns false) is skipped.
func (x *xmlReader) children(start *xml.StartElement, f func(se *xml.StartElement) (bool, error)) error {
	for {
		tok, err := x.next()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			ok, err := f(&t)
			if err != nil {
				return err
			}
			if !ok {
				if err := x.skip(&t); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return x.end(start, t)
		}
	}
}

// text returns the character data of start, up to its end tag; child
// elements are skipped.
func (x *xmlReader) text(start *xml.StartElement) (string, error) {
	var s []byte
	for {
		tok, err := x.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			s = append(s, t...)
		case xml.StartElement:
			if err := x.skip(&t); err != nil {
				return "", err
			}
		case xml.EndElement:
			return string(s), x.end(start, t)
		}
	}
}

// textInto reads the text of se into *dst and reports se consumed.
func (x *xmlReader) textInto(se *xml.StartElement, dst *string) (bool, error) {
	s, err := x.text(se)
	*dst = s
	return true, err
}

func attr(se *xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (x *xmlReader) keyPackage(start *xml.StartElement, kp *pskcKeyPackage) error {
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		switch se.Name.Local {
		case "DeviceInfo":
			return true, x.children(se, func(se *xml.StartElement) (bool, error) {
				switch se.Name.Local {
				case "Manufacturer":
					return x.textInto(se, &kp.Manufacturer)
				case "SerialNo":
					return x.textInto(se, &kp.SerialNo)
				case "Model":
					return x.textInto(se, &kp.Model)
				case "UserId":
					return x.textInto(se, &kp.UserID)
				}
				return false, nil
			})
		case "Key":
			kp.Keys = append(kp.Keys, pskcKey{ID: attr(se, "Id"), Algorithm: attr(se, "Algorithm")})
			return true, x.key(se, &kp.Keys[len(kp.Keys)-1])
		}
		return false, nil
	})
}

func (x *xmlReader) key(start *xml.StartElement, k *pskcKey) error {
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		switch se.Name.Local {
		case "Issuer":
			return x.textInto(se, &k.Issuer)
		case "UserId":
			return x.textInto(se, &k.UserID)
		case "AlgorithmParameters":
			return true, x.children(se, func(se *xml.StartElement) (bool, error) {
				switch se.Name.Local {
				case "Suite":
					k.SuiteHashAlgo = attr(se, "hashalgo")
					return x.textInto(se, &k.Suite)
				case "ResponseFormat":
					k.HasResponse, k.Length, k.Encoding = true, attr(se, "Length"), attr(se, "Encoding")
				}
				return false, nil
			})
		case "Data":
			return true, x.children(se, func(se *xml.StartElement) (bool, error) {
				var dst **pskcValue
				switch se.Name.Local {
				case "Secret":
					dst = &k.Secret
				case "Counter":
					dst = &k.Counter
				case "Time":
					dst = &k.Time
				case "TimeInterval":
					dst = &k.TimeInterval
				case "TimeDrift":
					dst = &k.TimeDrift
				default:
					return false, nil
				}
				*dst = new(pskcValue)
				return true, x.value(se, *dst)
			})
		}
		return false, nil
	})
}

func (x *xmlReader) value(start *xml.StartElement, v *pskcValue) error {
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		switch se.Name.Local {
		case "PlainValue":
			v.Plain = new(string)
			return x.textInto(se, v.Plain)
		case "ValueMAC":
			return x.textInto(se, &v.MAC)
		case "EncryptedValue":
			v.Encrypted = new(pskcEncrypted)
			return true, x.encrypted(se, v.Encrypted)
		}
		return false, nil
	})
}

func (x *xmlReader) encrypted(start *xml.StartElement, e *pskcEncrypted) error {
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		switch se.Name.Local {
		case "EncryptionMethod":
			e.Algorithm = attr(se, "Algorithm")
		case "CipherData":
			return true, x.children(se, func(se *xml.StartElement) (bool, error) {
				if se.Name.Local == "CipherValue" {
					return x.textInto(se, &e.CipherValue)
				}
				return false, nil
			})
		}
		return false, nil
	})
}

func (x *xmlReader) encryptionKey(start *xml.StartElement, ek *pskcEncryptionKey) error {
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		switch se.Name.Local {
		case "KeyName":
			var name string
			ok, err := x.textInto(se, &name)
			ek.KeyNames = append(ek.KeyNames, name)
			return ok, err
		case "DerivedKey":
			ek.Derived = true
			return true, x.children(se, func(se *xml.StartElement) (bool, error) {
				if se.Name.Local != "KeyDerivationMethod" {
					return false, nil
				}
				ek.KDF = attr(se, "Algorithm")
				return true, x.children(se, func(se *xml.StartElement) (bool, error) {
					if se.Name.Local != "PBKDF2-params" {
						return false, nil
					}
					ek.PBKDF2 = true
					return true, x.children(se, func(se *xml.StartElement) (bool, error) {
						switch se.Name.Local {
						case "Salt":
							return true, x.children(se, func(se *xml.StartElement) (bool, error) {
								if se.Name.Local == "Specified" {
									return x.textInto(se, &ek.Salt)
								}
								return false, nil
							})
						case "IterationCount":
							return x.textInto(se, &ek.Iter)
						case "KeyLength":
							return x.textInto(se, &ek.KeyLen)
						case "PRF":
							uri := attr(se, "Algorithm")
							ok, err := x.textInto(se, &ek.PRF)
							if uri != "" {
								ek.PRF = uri
							}
							return ok, err
						}
						return false, nil
					})
				})
			})
		}
		return false, nil
	})
}

func (x *xmlReader) macMethod(start *xml.StartElement, m *pskcMACMethod) error {
	m.Algorithm = attr(start, "Algorithm")
	return x.children(start, func(se *xml.StartElement) (bool, error) {
		if se.Name.Local != "MACKey" {
			return false, nil
		}
		m.Key = new(pskcEncrypted)
		return true, x.encrypted(se, m.Key)
	})
}

// errRetry makes the parallel reader give up in favour of the sequential
// one; it never reaches a caller.
var errRetry = errors.New("retry sequentially")

// topLevel reads the children of <KeyContainer> from x until the
// container's end tag (true) or the end of input (false). In a group of
// the parallel reader (group true) anything but key packages and
// ignorable elements is a reason to retry.
func (x *xmlReader) topLevel(root *xml.StartElement, doc *pskcDoc, max int, group bool, onKey func(*pskcEncryptionKey)) (closed bool, err error) {
	for {
		tok, err := x.next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if root == nil {
				return false, errRetry
			}
			return true, x.end(root, t)
		case xml.StartElement:
			switch t.Name.Local {
			case "KeyPackage":
				if len(doc.packages) >= max {
					if group {
						return false, errRetry
					}
					return false, tooMany(fmt.Sprintf("KeyPackage %d", len(doc.packages)+1), max)
				}
				doc.packages = append(doc.packages, pskcKeyPackage{line: x.line()})
				err = x.keyPackage(&t, &doc.packages[len(doc.packages)-1])
			case "EncryptionKey":
				if group {
					return false, errRetry
				}
				doc.enc = new(pskcEncryptionKey)
				if err = x.encryptionKey(&t, doc.enc); err == nil && onKey != nil {
					onKey(doc.enc)
				}
			case "MACMethod":
				if group {
					return false, errRetry
				}
				doc.mac = new(pskcMACMethod)
				err = x.macMethod(&t, doc.mac)
			default:
				// Signature, MACAlgorithm, extensions: not used.
				err = x.skip(&t)
			}
			if err != nil {
				return false, err
			}
		}
	}
}

// root reads up to the document's root element and checks it.
func (x *xmlReader) root() (xml.StartElement, error) {
	for {
		tok, err := x.next()
		if err == io.EOF {
			return xml.StartElement{}, &Error{Err: errors.New("the file has no XML element")}
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local != "KeyContainer" {
			return se, errAt(fmt.Sprintf("line %d", x.line()), "the root element is not <KeyContainer>: this is not a PSKC file")
		}
		if v := attr(&se, "Version"); v != "" && v != "1.0" && v != "1" {
			return se, errAt("KeyContainer", "PSKC version %s is not supported (want 1.0)", quoteShort(v))
		}
		return se, nil
	}
}

// Files smaller than this, or with fewer key packages per worker, are read
// sequentially; splitting would not pay.
const (
	parallelMinBytes    = 1 << 20
	parallelMinPackages = 64
)

// readPSKC reads the file; onKey, if not nil, is called with the
// EncryptionKey as soon as it has been read (perhaps more than once).
func readPSKC(data []byte, max int, onKey func(*pskcEncryptionKey)) (*pskcDoc, error) {
	if len(data) >= parallelMinBytes {
		if doc := readPSKCParallel(data, max, min(runtime.GOMAXPROCS(0), 16), parallelMinPackages, onKey); doc != nil {
			return doc, nil
		}
	}
	return readPSKCSequential(data, max, onKey)
}

func readPSKCSequential(data []byte, max int, onKey func(*pskcEncryptionKey)) (*pskcDoc, error) {
	x := newXMLReader(data, 0)
	root, err := x.root()
	if err != nil {
		return nil, xmlError(x, err)
	}
	doc := new(pskcDoc)
	closed, err := x.topLevel(&root, doc, max, false, onKey)
	if err != nil {
		return nil, xmlError(x, err)
	}
	if !closed {
		return nil, errAt(fmt.Sprintf("line %d", x.line()), "the XML ends in the middle of an element")
	}
	return doc, nil
}

// keyPackageStarts returns the offsets of what look like <KeyPackage start
// tags, any prefix. Missing one only makes a group bigger; a false one
// makes the parallel read fail and the sequential one run.
func keyPackageStarts(data []byte) []int {
	var starts []int
	const name = "KeyPackage"
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(name))
		if j < 0 {
			return starts
		}
		j += i
		i = j + len(name)
		if i >= len(data) {
			return starts
		}
		switch data[i] {
		case ' ', '\t', '\r', '\n', '>', '/':
		default:
			continue
		}
		k := j
		if k > 0 && data[k-1] == ':' {
			k--
			for k > 0 && isPrefixByte(data[k-1]) {
				k--
			}
		}
		if k > 0 && data[k-1] == '<' {
			starts = append(starts, k-1)
		}
	}
}

func isPrefixByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// readPSKCParallel returns nil when the file is not worth splitting (fewer
// than minPerWorker key packages a worker) or anything about the split is
// in doubt.
func readPSKCParallel(data []byte, max, workers, minPerWorker int, onKey func(*pskcEncryptionKey)) *pskcDoc {
	if workers < 2 || minPerWorker < 1 {
		return nil
	}
	starts := keyPackageStarts(data)
	if len(starts) < workers*minPerWorker || len(starts) > max {
		return nil
	}

	// The head: the root and the encryption header, ending inside the root.
	// The groups have no XML declaration, so they are UTF-8: decline any
	// file that declares another encoding.
	head := newXMLReader(data[:starts[0]], 0)
	otherCharset := false
	head.d.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		otherCharset = true
		return nil, errRetry
	}
	root, err := head.root()
	if err != nil || otherCharset {
		return nil
	}
	doc := new(pskcDoc)
	if closed, err := head.topLevel(&root, doc, max, false, onKey); err != nil || closed || len(doc.packages) != 0 {
		return nil
	}

	// The groups, each a run of whole key packages; the last one closes
	// the root.
	type result struct {
		packages []pskcKeyPackage
		ok       bool
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for g := range workers {
		from := starts[g*len(starts)/workers]
		to := len(data)
		last := g == workers-1
		if !last {
			to = starts[(g+1)*len(starts)/workers]
		}
		wg.Go(func() {
			x := newXMLReader(data[from:to], bytes.Count(data[:from], []byte{'\n'}))
			var part pskcDoc
			var closeWith *xml.StartElement
			if last {
				closeWith = &root
			}
			closed, err := x.topLevel(closeWith, &part, max, true, nil)
			results[g] = result{part.packages, err == nil && closed == last}
		})
	}
	wg.Wait()
	for _, r := range results {
		if !r.ok {
			return nil
		}
		doc.packages = append(doc.packages, r.packages...)
	}
	if len(doc.packages) != len(starts) {
		return nil
	}
	return doc
}
