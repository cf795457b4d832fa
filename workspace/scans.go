package workspace

import (
	"fmt"

	"cartable"
	"cartable/antivirus"
)

// scanPendingRetryAfter is the Retry-After, in seconds, of a file waiting for its
// antivirus scan: most files are scanned within a second of their upload.
const scanPendingRetryAfter = 3

// ReadableBy applies the antivirus verdict to a read of the version's bytes: an
// infected version is read by nobody (its thumbnails are withdrawn too), and one
// waiting for its scan only by its uploader, who sent those very bytes; everyone
// else is asked to come back in a moment. A version written before the antivirus
// was on, clean, or served unscanned (fail open) is read as usual.
func (v Version) ReadableBy(c *cartable.Caller) error {
	switch v.Scan {
	case antivirus.Infected:
		return errInfected(v)
	case antivirus.Pending:
		if c.UserID != "" && c.UserID == v.Uploader {
			return nil
		}
		return cartable.Errorf(cartable.EScanPending, "version %s of %s is waiting for its antivirus scan", v.ID, v.ItemID).
			With("retry_after", scanPendingRetryAfter)
	}
	return nil
}

func errInfected(v Version) *cartable.Error {
	e := cartable.Errorf(cartable.EInfected, "version %s of %s is quarantined: the antivirus found %s", v.ID, v.ItemID, v.ScanSignature).
		With("signature", v.ScanSignature)
	e.MessageFR = fmt.Sprintf("Ce fichier est bloqué : l'antivirus y a trouvé un virus (%s). Il ne peut être ni ouvert ni téléchargé. "+
		"Vous pouvez le mettre à la corbeille. L'administrateur de votre établissement a été prévenu.", v.ScanSignature)
	e.MessageEN = fmt.Sprintf("This file is blocked: the antivirus found a virus in it (%s). It can be neither opened nor downloaded. "+
		"You may put it in the trash; your school's administrator has been told.", v.ScanSignature)
	return e
}
