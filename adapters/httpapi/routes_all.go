package httpapi

// routes lists every endpoint of the adapter: the first routes, then each family added since,
// each in its own file.
func (s *server) routes() []route {
	rs := s.baseRoutes()
	rs = append(rs, s.userRoutes()...)
	rs = append(rs, s.revisionRoutes()...)
	rs = append(rs, s.indexRoutes()...)
	rs = append(rs, s.browseRoutes()...)
	rs = append(rs, s.episodeRoutes()...)
	rs = append(rs, s.collectionWriteRoutes()...)
	return rs
}
