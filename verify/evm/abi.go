package evm

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// contractABI is the ABI of contracts/LearningTokens.sol (a test of this
// package keeps the two copies equal). It has the getters, functions and
// events of the Learning Tokens contract that Cairn reads.
//
//go:embed learningtokens.abi.json
var contractABI string

// ContractABI returns the parsed ABI of the Learning Tokens contract.
func ContractABI() abi.ABI {
	parsedOnce.Do(func() {
		a, err := abi.JSON(strings.NewReader(contractABI))
		if err != nil {
			panic(fmt.Sprintf("evm: embedded ABI: %v", err))
		}
		parsed = a
		for kind, name := range mintEvents {
			ev := a.Events[name]
			topicKind[ev.ID] = kind
			mintTopics = append(mintTopics, ev.ID)
		}
	})
	return parsed
}

// ContractABIJSON is the ABI as JSON.
func ContractABIJSON() string { return contractABI }

var (
	parsedOnce sync.Once
	parsed     abi.ABI
	topicKind  = map[common.Hash]string{}
	mintTopics []common.Hash
)

// Token kinds, as the wallet names them (verify.TokenAttendance, ...).
const (
	KindAttendance      = "attendance"
	KindScore           = "score"
	KindHelp            = "help"
	KindInstructorScore = "instructor-score"
)

// mintEvents are the four mint events by kind (research/seed-systems.md
// b.2, d.5).
var mintEvents = map[string]string{
	KindAttendance:      "AttendanceTokenMinted",
	KindScore:           "ScoreTokenMinted",
	KindHelp:            "HelpingTokenMinted",
	KindInstructorScore: "InstructorScoreTokenMinted",
}

// MintTopic returns the topic0 of the mint event of a kind.
func MintTopic(kind string) common.Hash {
	return ContractABI().Events[mintEvents[kind]].ID
}

// kindOfTopic maps a log's topic0 to the token kind, "" for other events.
func kindOfTopic(h common.Hash) string {
	ContractABI()
	return topicKind[h]
}
