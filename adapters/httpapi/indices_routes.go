package httpapi

// indexRoutes lists the index (目录) endpoints (/v0/indices/...).
func (s *server) indexRoutes() []route { return nil }
