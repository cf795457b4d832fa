package api

import (
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cartable/auth"
	"cartable/sharing"
)

// routes is the whole HTTP surface, in one place.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.yaml", s.openAPISpec)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})), s.metricsScraper)

	if s.DevIssuer != nil {
		e.GET("/dev/token", s.devToken)
		e.GET("/dev/users", s.devUsers)
		e.GET("/dev/oidc/.well-known/openid-configuration", s.devDiscovery)
		e.GET("/dev/oidc/jwks", s.devJWKS)
	}

	v1 := e.Group("/api/v1", s.authenticate)
	v1.GET("/me", s.me)
	v1.GET("/me/app-passwords", s.listAppPasswords)
	v1.POST("/me/app-passwords", s.createAppPassword)
	v1.DELETE("/me/app-passwords/:id", s.revokeAppPassword)
	v1.GET("/me/export", s.myExport)
	v1.POST("/me/export", s.signMyExport)
	v1.GET("/spaces", s.listSpaces)
	v1.GET("/items/watch", s.watchItems)
	v1.GET("/items/:id", s.getItem)
	v1.PATCH("/items/:id", s.updateItem)
	v1.DELETE("/items/:id", s.trashItem)
	v1.GET("/items/:id/children", s.listChildren)
	v1.POST("/items/:id/children", s.createChild)
	v1.GET("/items/:id/content", s.download)
	v1.HEAD("/items/:id/content", s.download)
	v1.PUT("/items/:id/content", s.uploadVersion)
	v1.POST("/items/:id/copy", s.copyItem)
	v1.POST("/items/:id/restore", s.restoreItem)
	v1.GET("/items/:id/thumbnails/:size", s.thumbnail)
	v1.GET("/items/:id/versions", s.listVersions)
	v1.GET("/items/:id/versions/:version/content", s.downloadVersion)
	v1.POST("/items/:id/versions/:version/restore", s.restoreVersion)
	v1.GET("/items/:id/permissions", s.listPermissions)
	v1.POST("/items/:id/permissions", s.share)
	v1.PATCH("/items/:id/permissions/:permission", s.updatePermission)
	v1.DELETE("/items/:id/permissions/:permission", s.unshare)
	v1.GET("/directory/search", s.findGrantees)
	v1.GET("/shared", s.sharedWithMe)
	v1.GET("/recent", s.listRecent)
	v1.GET("/favorites", s.listFavorites)
	v1.PUT("/items/:id/favorite", s.star)
	v1.DELETE("/items/:id/favorite", s.unstar)
	v1.GET("/search", s.search)
	v1.GET("/media", s.listMedia)
	v1.GET("/spaces/:id/shared", s.sharedFromSpace)
	v1.GET("/items/:id/links", s.listLinks)
	v1.POST("/items/:id/links", s.createLink)
	v1.DELETE("/items/:id/links/:link", s.revokeLink)
	v1.GET("/items/:id/embeds", s.listEmbeds)
	v1.POST("/items/:id/embeds", s.createEmbed)
	v1.DELETE("/items/:id/embeds/:embed", s.revokeEmbed)
	v1.POST("/zips", s.createZip)
	v1.POST("/items/:id/office", s.openInOffice)
	v1.POST("/items/:id/office/new", s.newOfficeDocument)
	s.wopiRoutes()

	// Links: no token, the link's own token in the path; failures rate limited, access logged.
	links := e.Group("/api/v1/links/:token", s.openLink)
	links.GET("", s.linkInfo)
	links.GET("/items/:id/children", s.listChildren, requireLinkKind(sharing.LinkView))
	links.GET("/items/:id/content", s.download, requireLinkKind(sharing.LinkView))
	links.GET("/items/:id/thumbnails/:size", s.thumbnail, requireLinkKind(sharing.LinkView))
	links.POST("/zips", s.createZip, requireLinkKind(sharing.LinkView))
	links.POST("/upload", s.dropFile, requireLinkKind(sharing.LinkUpload))
	// Embeds: public, the embed's own token in the path (see package embed).
	e.GET("/embed/:token", s.embedContent)
	e.HEAD("/embed/:token", s.embedContent)
	e.GET("/embed/:token/thumbnails/:size", s.embedThumbnail)
	// Signed URLs: no header, a sig that stands for the user or link it was made for.
	e.GET("/api/v1/signed/zips/:id", s.downloadZip, s.signedBy(signedZip(zipRendition)))
	e.GET("/api/v1/signed/collections/:id", s.downloadCollect, s.signedBy(signedZip(collectRendition)))
	e.GET("/api/v1/signed/exports/:id", s.myExport, s.signedBy(signedZip(exportRendition)))
	signed := e.Group("/api/v1/signed/items/:id/versions/:version", s.openSigned)
	signed.GET("/content", s.downloadVersion)
	signed.HEAD("/content", s.downloadVersion)
	signed.GET("/thumbnails/:size", s.thumbnail)
	v1.GET("/assignments", s.listAssignments)
	v1.POST("/assignments", s.createAssignment)
	v1.GET("/assignments/:id", s.getAssignment)
	v1.PUT("/assignments/:id", s.updateAssignment)
	v1.DELETE("/assignments/:id", s.deleteAssignment)
	v1.POST("/assignments/:id/restore", assignmentAction(s.Assignments.Restore))
	v1.POST("/assignments/:id/attachments", s.attachToAssignment)
	v1.DELETE("/assignments/:id/attachments/:item", s.detachFromAssignment)
	v1.POST("/assignments/:id/publish", assignmentAction(s.Assignments.Publish))
	v1.GET("/assignments/:id/dashboard", s.assignmentDashboard)
	v1.POST("/assignments/:id/hand-in", assignmentAction(s.Assignments.HandIn))
	v1.POST("/assignments/:id/take-back", assignmentAction(s.Assignments.TakeBack))
	v1.POST("/assignments/:id/returns", s.returnWork)
	v1.POST("/assignments/:id/excuse", s.excusePupils)
	v1.POST("/assignments/:id/collect", s.collectAssignment)
	v1.GET("/children/:id/assignments", s.childAssignments)
	v1.GET("/spaces/:id/pupils", s.classPupils)
	v1.GET("/quota", s.myQuota)
	v1.GET("/trash", s.listTrash)
	v1.DELETE("/trash/:id", s.purgeItem)

	// WebDAV: its own authentication (app passwords, Bearer), answered by package dav.
	s.mountDAV()

	if s.Uploads != nil {
		// OPTIONS (tus discovery and CORS preflight) carries no token.
		e.OPTIONS("/api/v1/uploads", s.tus)
		e.OPTIONS("/api/v1/uploads/:id", s.tus)
		uploads := e.Group("/api/v1/uploads", s.authenticate)
		uploads.POST("", s.tus)
		uploads.HEAD("/:id", s.tus)
		uploads.PATCH("/:id", s.tus)
		uploads.DELETE("/:id", s.tus)
	}

	admin := e.Group("/api/v1/admin", s.requireScope(auth.ScopeAdmin))
	admin.GET("/structures/:id", s.getStructure)
	admin.PUT("/structures/:id", s.putStructure)
	admin.DELETE("/structures/:id", s.deleteStructure)
	admin.GET("/users/:id", s.getUser)
	admin.PUT("/users/:id", s.putUser)
	admin.DELETE("/users/:id", s.deleteUser)
	admin.GET("/groups/:id", s.getGroup)
	admin.PUT("/groups/:id", s.putGroup)
	admin.DELETE("/groups/:id", s.deleteGroup)
	admin.POST("/import", s.importBundle)
	e.GET("/api/v1/events", s.listEvents, s.requireScope(auth.ScopeAdmin))

	// Quotas: the region (admin scope) everywhere, local admins in their structures.
	quotas := e.Group("/api/v1/admin/quota", s.authenticateStructureAdmin)
	quotas.GET("/structures/:id", s.quotaReport)
	quotas.GET("/structures/:id/usage.csv", s.quotaCSV)
	quotas.PUT("/structures/:id/pool", s.setPool)
	quotas.PUT("/structures/:id/defaults/:subject", s.setDefault)
	quotas.POST("/structures/:id/recompute", s.recomputeQuota)
	quotas.PUT("/users/:id", s.setUserLimit)
	quotas.PUT("/spaces/:id", s.setSpaceLimit)
	// Previews of a structure rendered again: the region, or the structure's local admins.
	e.POST("/api/v1/admin/structures/:id/previews", s.requeuePreviews, s.authenticateStructureAdmin)
	// The school year: the region, or the structure's local admins.
	e.GET("/api/v1/admin/structures/:id/folder-template", s.getFolderTemplate, s.authenticateStructureAdmin)
	e.PUT("/api/v1/admin/structures/:id/folder-template", s.putFolderTemplate, s.authenticateStructureAdmin)
	e.POST("/api/v1/admin/structures/:id/rollover", s.rollover, s.authenticateStructureAdmin)
	e.POST("/api/v1/admin/spaces/:id/archive", s.archiveSpace, s.authenticateStructureAdmin)
	e.POST("/api/v1/admin/spaces/:id/unarchive", s.unarchiveSpace, s.authenticateStructureAdmin)
	// The audit log: a structure's for its local admins and the region, the whole log for the region.
	e.GET("/api/v1/admin/structures/:id/audit", s.structureAudit, s.authenticateStructureAdmin)
	e.GET("/api/v1/admin/structures/:id/audit.csv", s.structureAuditCSV, s.authenticateStructureAdmin)
	admin.GET("/audit", s.regionAudit)
	// The GDPR export of a user: the region, or a local admin of one of the user's structures.
	e.GET("/api/v1/admin/users/:id/export", s.userExport, s.authenticateStructureAdmin)
	admin.GET("/audit.csv", s.regionAuditCSV)
	// Leavers: the region, or the local admins of the leaver's structure.
	e.GET("/api/v1/admin/structures/:id/leavers", s.listLeavers, s.authenticateStructureAdmin)
	e.POST("/api/v1/admin/users/:id/purge", s.purgeLeaver, s.authenticateStructureAdmin)
	e.POST("/api/v1/admin/users/:id/transfer", s.transferLeaver, s.authenticateStructureAdmin)

	if s.App != nil {
		// The web app takes what the API does not route, except under the API's own
		// prefixes, where an unknown path stays a 404 problem.
		e.RouteNotFound("/*", echo.WrapHandler(s.App))
		for _, prefix := range []string{"/api/*", "/dev/*", "/wopi/*", "/embed/*"} {
			e.RouteNotFound(prefix, func(echo.Context) error { return echo.ErrNotFound })
		}
	}
}
