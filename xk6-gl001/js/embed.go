// Package js holds gl001's module for stock k6 (gl001.js) and the script
// `gl001 k6 init` scaffolds beside it (script.js), embedded so that the
// files init writes are these files byte for byte. The JavaScript is
// tested with node --test (make test-js).
package js

import _ "embed"

// Module is gl001.js, the ES module a k6 script imports.
//
//go:embed gl001.js
var Module []byte

// Script is script.js, a ready k6 script that imports ./gl001.js.
//
//go:embed script.js
var Script []byte
