package people

import "context"

// PhoneRegion is the region phone numbers written without a country code are
// read in: the organization's setting (Config.Region), else
// Config.DefaultRegion; "" means such numbers are refused.
func (s *Service) PhoneRegion(ctx context.Context) string {
	if s.cfg.Region != nil {
		if r := s.cfg.Region(ctx); r != "" {
			return r
		}
	}
	return s.cfg.DefaultRegion
}
