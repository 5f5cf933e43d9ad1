package web

import "github.com/gofiber/fiber/v2"

type sectionData struct {
	Heading, Intro, Empty string
}

// The owner's sections whose capabilities later releases bring. Each page
// says plainly what it will hold and that it is empty, rather than
// pretending; the README's "Not done yet" lists the same.
var plannedSections = map[string]sectionData{
	"/courses": {
		Heading: "Courses",
		Intro:   "Courses you follow by their feeds; their tasks, and your answers to them.",
		Empty:   "Following courses is not available in this version of Cairn yet.",
	},
	"/wallet": {
		Heading: "Wallet",
		Intro:   "Your Open Badges and Learning Tokens, each verified against its issuer.",
		Empty:   "Importing and verifying badges is not available in this version of Cairn yet.",
	},
	"/profiles": {
		Heading: "Profiles",
		Intro:   "Skill profiles you share by link and QR code.",
		Empty:   "Sharing skill profiles is not available in this version of Cairn yet.",
	},
}

func (s *Server) sectionRoutes(r fiber.Router) {
	for path, data := range plannedSections {
		r.Get(path, func(c *fiber.Ctx) error {
			return s.show(c, fiber.StatusOK, "section", data.Heading, "/admin"+path, data)
		})
	}
}
