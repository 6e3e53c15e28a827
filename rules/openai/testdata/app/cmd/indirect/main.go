// Command indirect reaches the SDK only through the module's own llm
// package: its main package imports no SDK, so llminstr must learn from
// that package's archive that the program holds instrumented code.
package main

import (
	"context"
	"fmt"
	"os"

	"example.com/chatapp/llm"
)

func main() {
	a := llm.NewAssistant(os.Getenv("CHATAPP_BASE_URL"), "gpt-4o-mini")
	answer, err := a.Ask(context.Background(), "Say this is a test")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("answer:", answer)
}
