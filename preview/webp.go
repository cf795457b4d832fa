package preview

import (
	"bytes"
	"encoding/binary"
)

// stripWebPMetadata removes the EXIF, XMP and ICC chunks libvips 8.14 writes into
// a WebP even when asked to strip metadata (it rebuilds a minimal EXIF block from
// the resolution). Anything that is not a well-formed extended WebP is returned
// as it is.
func stripWebPMetadata(data []byte) []byte {
	if len(data) < 30 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" || string(data[12:16]) != "VP8X" {
		return data
	}
	out := bytes.NewBuffer(make([]byte, 0, len(data)))
	out.Write(data[:12])
	for at := 12; at+8 <= len(data); {
		kind := string(data[at : at+4])
		size := int(binary.LittleEndian.Uint32(data[at+4 : at+8]))
		end := at + 8 + size + size&1
		if end > len(data) {
			return data
		}
		switch kind {
		case "EXIF", "XMP ", "ICCP":
		case "VP8X":
			chunk := bytes.Clone(data[at:end])
			chunk[8] &^= 0x20 | 0x08 | 0x04 // the ICC, EXIF and XMP flags
			out.Write(chunk)
		default:
			out.Write(data[at:end])
		}
		at = end
	}
	b := out.Bytes()
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	return b
}
