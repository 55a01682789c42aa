package httpapi

// revisionRoutes lists the revision endpoints (/v0/revisions/...).
func (s *server) revisionRoutes() []route { return nil }
