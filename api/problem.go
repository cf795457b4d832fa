package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/embed"
	"cartable/live"
)

// problemKind is how one domain error code shows on the wire: its HTTP status and
// a short title in French (the default) and English.
type problemKind struct {
	status  int
	titleFR string
	titleEN string
}

// problemKinds is the one map from domain error codes to HTTP. Every error a handler
// returns goes through it.
var problemKinds = map[cartable.Code]problemKind{
	cartable.ENotFound:             {http.StatusNotFound, "Élément introuvable ou inaccessible.", "Item not found or not accessible."},
	cartable.EInvalid:              {http.StatusBadRequest, "La requête n'est pas valide.", "The request is not valid."},
	cartable.EInvalidName:          {http.StatusBadRequest, "Ce nom n'est pas autorisé : il ne doit pas être vide, contenir de « / » ni de caractère spécial, ni dépasser 255 octets.", "This name is not allowed: it must not be empty, contain a \"/\" or a control character, or exceed 255 bytes."},
	cartable.ENameConflict:         {http.StatusConflict, "Un élément porte déjà ce nom à cet endroit.", "An item with this name already exists here."},
	cartable.EPreconditionFailed:   {http.StatusPreconditionFailed, "L'élément a été modifié entre-temps ; rechargez-le puis réessayez.", "The item has changed in the meantime; reload it and try again."},
	cartable.EForbidden:            {http.StatusForbidden, "Vous n'avez pas les droits nécessaires pour cette action.", "You do not have the rights this action needs."},
	cartable.ENotAuthor:            {http.StatusForbidden, "Quelqu'un d'autre a créé cet élément : seul son auteur ou un enseignant peut le modifier, le déplacer ou le mettre à la corbeille.", "Someone else created this item: only its author or a teacher may change, move or trash it."},
	cartable.EReadOnlyFolder:       {http.StatusForbidden, "Ce dossier est en lecture seule : seuls les enseignants peuvent y ajouter ou y modifier des documents.", "This folder is read-only: only teachers may add or change documents in it."},
	cartable.ESpaceArchived:        {http.StatusForbidden, "Cet espace de classe est archivé (année scolaire précédente) : il est en lecture seule pour tout le monde. Vous pouvez encore consulter et télécharger ses documents.", "This class space is archived (a previous school year): it is read-only for everyone. You can still view and download its documents."},
	cartable.EAssignmentClosed:     {http.StatusConflict, "La date limite est passée : ce devoir n'accepte plus de rendu. Parlez-en à votre professeur.", "The deadline has passed: this assignment takes no more hand-ins. Talk to your teacher."},
	cartable.EPrivateBoundary:      {http.StatusConflict, "Un document ne peut pas entrer dans le dossier de travail d'un élève, ni en sortir : copiez-le plutôt.", "An item cannot be moved into or out of a pupil's work folder: copy it instead."},
	cartable.EPinnedByHandIn:       {http.StatusConflict, "Ce document fait partie d'un travail rendu à un devoir : il est conservé tant que le devoir existe.", "This item is part of work handed in for an assignment: it is kept as long as the assignment exists."},
	cartable.ELocked:               {http.StatusLocked, "Ce fichier est en cours de modification dans une autre application : réessayez quand il sera fermé.", "This file is being edited in another application: try again once it is closed."},
	cartable.EInfected:             {http.StatusForbidden, "Ce fichier est bloqué : l'antivirus y a trouvé un virus. Il ne peut être ni ouvert ni téléchargé.", "This file is blocked: the antivirus found a virus in it. It can be neither opened nor downloaded."},
	cartable.EScanPending:          {http.StatusConflict, "Ce fichier vient d'être déposé et l'antivirus le vérifie ; il sera disponible dans quelques instants.", "This file was just uploaded and the antivirus is checking it; it will be available in a moment."},
	cartable.EUnauthorized:         {http.StatusUnauthorized, "Votre session n'est pas valide ; reconnectez-vous.", "Your session is not valid; sign in again."},
	cartable.ETooLarge:             {http.StatusRequestEntityTooLarge, "Le fichier est trop volumineux pour cet envoi.", "The file is too large for this upload."},
	cartable.EInvalidMove:          {http.StatusBadRequest, "Impossible de déplacer un dossier dans lui-même ou dans l'un de ses sous-dossiers.", "A folder cannot be moved into itself or one of its subfolders."},
	cartable.EConflict:             {http.StatusConflict, "L'action est en conflit avec l'état actuel de l'élément.", "The action conflicts with the item's current state."},
	cartable.EQuotaExceeded:        {http.StatusRequestEntityTooLarge, "L'espace de stockage est plein : libérez de la place ou demandez de l'aide à votre enseignant.", "The storage space is full: free some space or ask your teacher for help."},
	cartable.ERangeNotSatisfiable:  {http.StatusRequestedRangeNotSatisfiable, "La plage demandée dépasse la taille du fichier.", "The requested range is outside the file."},
	cartable.EPreviewPending:       {http.StatusNotFound, "L'aperçu est en cours de préparation ; il sera prêt dans quelques instants.", "The preview is being prepared; it will be ready in a moment."},
	cartable.EPreviewFailed:        {http.StatusNotFound, "Aucun aperçu ne peut être créé pour ce fichier.", "No preview can be made for this file."},
	cartable.EUnsupportedMediaType: {http.StatusUnsupportedMediaType, "Le type de contenu envoyé n'est pas accepté ici.", "The content type sent is not accepted here."},
	cartable.EChecksumMismatch:     {460, "Le fichier a été abîmé pendant l'envoi ; l'envoi reprend à partir du dernier morceau reçu.", "The file was damaged in transit; the upload resumes from the last piece received."},
	cartable.EUnsupportedVersion:   {http.StatusPreconditionFailed, "Cette version du protocole d'envoi n'est pas prise en charge.", "This version of the upload protocol is not supported."},
	embed.ENotEmbeddable:           {http.StatusUnsupportedMediaType, "Seuls les images, les vidéos et les sons peuvent être intégrés dans un blog ou un wiki.", "Only images, videos and sounds can be embedded in a blog or a wiki."},
	live.ETooManyStreams:           {http.StatusTooManyRequests, "Trop d'onglets suivent vos documents en même temps : fermez-en un. Les aperçus s'afficheront quand même, un peu plus lentement.", "Too many tabs are following your documents at once: close one. Previews will still show, a little more slowly."},
	codeRateLimited:                {http.StatusTooManyRequests, "Trop de demandes : patientez un peu avant de réessayer.", "Too many requests: wait a little before trying again."},
	codeMethodNotAllowed:           {http.StatusMethodNotAllowed, "Cette action n'existe pas sur cette adresse.", "This method is not allowed on this route."},
	cartable.EUnavailable:          {http.StatusServiceUnavailable, "Le service est momentanément indisponible ; réessayez dans un instant.", "The service is temporarily unavailable; try again in a moment."},
	cartable.EInternal:             {http.StatusInternalServerError, "Une erreur interne est survenue ; réessayez plus tard.", "An internal error occurred; try again later."},
}

// codeMethodNotAllowed is the one code that is not a domain error: only routing
// produces it.
const codeMethodNotAllowed cartable.Code = "method_not_allowed"

// Problem is an RFC 9457 problem document with Cartable's stable code.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Code      cartable.Code  `json:"code"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
}

// problemFor turns any error into the problem the client sees. Internal errors and
// outages show nothing of their text; the log has it.
func problemFor(err error, lang string) Problem {
	code, detail, fields := classify(err)
	kind, ok := problemKinds[code]
	if !ok {
		code, kind = cartable.EInternal, problemKinds[cartable.EInternal]
	}
	if code == cartable.EUnavailable {
		if _, ok := fields["retry_after"]; !ok {
			fields = withField(fields, "retry_after", unavailableRetryAfter)
		}
	}
	title := kind.titleFR
	if lang == "en" {
		title = kind.titleEN
	}
	var de *cartable.Error
	if errors.As(err, &de) && de.MessageFR != "" {
		title = de.MessageFR
		if lang == "en" {
			title = de.MessageEN
		}
	}
	return Problem{Type: "urn:cartable:problem:" + string(code), Title: title, Status: kind.status, Code: code, Detail: detail, Fields: fields}
}

// withField returns a copy of fields with one more.
func withField(fields map[string]any, key string, value any) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		out[k] = v
	}
	out[key] = value
	return out
}

// classify finds the domain error in err, reads echo's own HTTP errors (unknown
// route, wrong method, body too large), or recognises an outage of a dependency.
func classify(err error) (cartable.Code, string, map[string]any) {
	var de *cartable.Error
	if errors.As(err, &de) {
		return de.Code, de.Detail, de.Fields
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return cartable.ENotFound, "no such route", nil
		case http.StatusMethodNotAllowed:
			return codeMethodNotAllowed, "method not allowed on this route", nil
		case http.StatusRequestEntityTooLarge:
			return cartable.ETooLarge, "request body too large", nil
		case http.StatusUnauthorized:
			return cartable.EUnauthorized, "authentication required", nil
		}
		if he.Code < 500 {
			return cartable.EInvalid, http.StatusText(he.Code), nil
		}
	}
	if Unavailable(err) {
		return cartable.EUnavailable, "", nil
	}
	return cartable.EInternal, "", nil
}

// language picks the problem language from Accept-Language: French unless the
// client prefers English.
func language(r *http.Request) string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "fr"):
			return "fr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "fr"
}

// errorHandler is echo's HTTPErrorHandler: every error leaves as problem+json.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	WriteProblem(s.log)(c.Response(), c.Request(), err)
}

// WriteProblem returns the function that answers an error as problem+json, logging
// internal errors; the upload endpoint, served outside echo's routing, uses it too.
func WriteProblem(log *slog.Logger) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) { writeProblem(log, w, r, err) }
}

func writeProblem(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err, language(r))
	p.Instance = r.URL.Path
	p.RequestID = w.Header().Get(echo.HeaderXRequestID)
	if p.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", p.RequestID,
			"method", r.Method, "path", r.URL.Path)
	}
	// The headers a handler set for the answer it meant to give (a file's length,
	// name, validators, a long cache life) must not describe the problem instead.
	h := w.Header()
	for _, k := range []string{echo.HeaderContentLength, echo.HeaderContentDisposition, echo.HeaderContentEncoding,
		"ETag", echo.HeaderLastModified, "Accept-Ranges"} {
		h.Del(k)
	}
	if p.Status != http.StatusRequestedRangeNotSatisfiable {
		h.Del("Content-Range")
	}
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cartable"`)
	}
	if p.Status == http.StatusPreconditionFailed {
		if etag, ok := p.Fields["etag"].(string); ok {
			w.Header().Set("ETag", etag)
		}
	}
	if after, ok := p.Fields["retry_after"].(int); ok {
		w.Header().Set("Retry-After", strconv.Itoa(after))
	}
	w.Header().Set(echo.HeaderContentType, "application/problem+json")
	w.WriteHeader(p.Status)
	if r.Method == http.MethodHead {
		return
	}
	if err := jsonEncode(w, p); err != nil {
		log.Warn("write problem", "err", err)
	}
}
