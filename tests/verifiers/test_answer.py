"""The one answer reader: which text is the final answer, for responses and references alike."""

import pytest

from hardgen.verifiers.answer import decode_final, read_final_answer, read_reference


@pytest.mark.parametrize("text,answers,source", [
    # the conventions models write
    ("Final Answer: The final answer is $7$. I hope it is correct.", ("7",), "marker"),
    ("Final Answer: The final answer is 7. I hope it is correct.", ("7",), "marker"),
    ("Let me add them.\nThe answer is **3**.", ("3",), "marker"),
    ("We check all cases.\nThe largest $n$ is 34.", ("34",), "last"),
    ("Natalia sold 48/2 = 24 clips in May.\n#### 72", ("72",), "gsm8k"),
    ("Putting it together:\n\\[ 9 \\]", ("9",), "display"),
    ("Putting it together: $$9$$.", ("9",), "display"),
    ("So the ratio is \\boxed{\\frac{4}{3} \\approx 1.33}.", ("\\frac{4}{3}",), "boxed"),
    ("The answer is $\\frac{\\sqrt{2}}{2} \\approx 0.707$.", ("\\frac{\\sqrt{2}}{2}",), "marker"),
    ("Therefore, the final answer is: $\\boxed{7}$. I hope it is correct.", ("7",), "boxed"),
    ("so \\fbox{5}", ("5",), "boxed"),
    # several final answers: all are returned, the checker decides whether they agree
    ("\\boxed{3} ... The final answer is 4.", ("3", "4"), "boxed"),
    ("\\boxed{3}\n#### 4", ("3", "4"), "boxed"),
    ("\\boxed{3}. The final answer is $\\boxed{3}$.", ("3",), "boxed"),
    ("\\boxed{A -> B}. The answer is the path above.", ("A -> B",), "boxed"),
    ("Final answer: 5. Final answer: 6.", ("5", "6"), "marker"),
    # "answer is" markers without a final one: the last one (earlier ones are the reasoning's)
    ("Is the answer 5? The answer is 5? no.\nThe answer is 6.", ("6",), "marker"),
])
def test_conventions(text, answers, source):
    got = read_final_answer(text)
    assert got.answers == answers and got.source == source, got


@pytest.mark.parametrize("text", [
    "<think>it is \\boxed{5}", "<think>done</think> hmm <think>still \\boxed{5}",
    "<think>Let me think. The answer is 5.",
])
def test_cut_off_while_thinking_has_no_answer(text):
    got = read_final_answer(text)
    assert got.answers == () and "cut off while thinking" in got.reason


def test_only_text_after_the_last_think_counts():
    assert read_final_answer("<think>maybe \\boxed{4}</think>So \\boxed{5}").answers == ("5",)
    assert read_final_answer("maybe \\boxed{4}</think>The answer is 5.").answers == ("5",)  # template opened it
    assert read_final_answer("<think>\\boxed{4}</think>").answers == ()


def test_which_box_counts():
    assert read_final_answer("\\boxed{\\boxed{5}} then \\boxed{6}").answers == ("\\boxed{5}", "6")
    assert read_final_answer("\\boxed{} and \\boxed{3}").answers == ("", "3")  # an empty box is a wrong answer
    assert read_final_answer("\\boxed{1 0} \\boxed{10}").answers == ("1 0", "10")  # text differs: checker decides
    assert read_final_answer("\\boxed{x}  \\boxed{ x }").answers == ("x",)


def test_modes():
    assert read_final_answer("The answer is 3", "boxed").answers == ()
    assert read_final_answer("I think \\boxed{3}", "marker").answers == ()
    assert read_final_answer("  3/4. ", "raw").answers == ("3/4",)
    with pytest.raises(ValueError):
        read_final_answer("x", "everything")


@pytest.mark.parametrize("ref,answer", [
    ("$\\frac12$", "\\frac12"), ("\\(x^2\\)", "x^2"), ("7", "7"), ("(p,q)=(3,2)", "(p,q)=(3,2)"),
    ("x \\in [-2,7]", "x \\in [-2,7]"), ("Alice", "Alice"),
    ("We add the two numbers to get $2+3=5$, so the total is $\\boxed{5}$.", "5"),
    ("Adding the counts of each colour gives the total number of marbles, which is 12.", "12"),
    ("Janet has 3 apples.\n#### 3", "3"),
])
def test_references_are_read_like_responses(ref, answer):
    assert read_reference(ref).answer == answer


def test_decode_final_requires_every_answer_to_mean_the_same():
    bits = lambda t: ((t.replace(" ", ""), "") if set(t) <= {"0", "1", " "} else (None, "not bits"))  # noqa: E731
    assert decode_final("\\boxed{101} so \\boxed{1 0 1}", bits) == ("101", "")
    assert decode_final("\\boxed{101} so \\boxed{100}", bits)[1] == "2 conflicting final answers"
    assert decode_final("\\boxed{101} so \\boxed{1x1}", bits)[0] is None
    assert decode_final("nothing here at all, only words and more words", bits)[0] is None
    assert decode_final(None, bits)[1] == "response is not text"


@pytest.mark.parametrize("text,answers", [
    ("\\boxed{12}\n\nThe answer is 12 because the sum of the digits is even.", ("12",)),
    ("\\boxed{12}. The answer is correct.", ("12",)),
    ("\\boxed{no}. So the final answer is yes.", ("no", "yes")),
    ("So we get 5 apples.\nHope this helps!", ("5 apples",)),
])
def test_prose_after_a_box_counts_only_when_it_reads_like_an_answer(text, answers):
    assert read_final_answer(text).answers == answers


def test_a_reference_that_boxes_its_steps_is_its_last_box():
    assert read_reference("First $a=3$, so \\boxed{3}; then $b = 4$, giving \\boxed{7}.").answer == "7"
