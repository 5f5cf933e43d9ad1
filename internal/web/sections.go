package web

import "github.com/gofiber/fiber/v2"

type sectionData struct {
	Heading, Intro, Empty string
}

// The owner's sections whose capabilities later releases bring. Each page
// says plainly what it will hold and that it is not there yet, rather than
// pretending; the README's "Not done yet" lists the same.
var plannedSections = map[string]sectionData{
	"profiles": {
		Heading: "Profiles",
		Intro:   "Skill profiles you share by link and QR code.",
		Empty:   "Sharing skill profiles is not available in this version of Cairn yet.",
	},
}

func (s *Server) plannedSection(name string) fiber.Handler {
	data := plannedSections[name]
	return func(c *fiber.Ctx) error {
		return s.show(c, fiber.StatusOK, "section", data.Heading, "/admin/"+name, data)
	}
}
