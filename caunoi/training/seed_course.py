# ruff: noqa: E501, RUF001 - Vietnamese prose: one paragraph per line, real en dashes in ranges
"""The demo course, written from the themes of the province's training conference on mass-mobilisation
work: digital transformation, running the commune's Zalo OA, capturing public opinion, grassroots
democracy, and working in ethnic-minority and religious areas.

Content is data (plain Python, no markup beyond the lesson text subset in ``caunoi.training.text``), so
the demo seeds it through the same services an editor uses. Legal references follow
``research/vietnam-context.md``; the lessons ask officers to check the current official text.
"""

from __future__ import annotations

from dataclasses import dataclass

COURSE_TITLE = "Kỹ năng dân vận trong thời kỳ chuyển đổi số (bồi dưỡng cán bộ xã, phường năm 2026)"

COURSE_SUMMARY = (
    "Khoá bồi dưỡng dành cho cán bộ làm công tác dân vận ở xã, phường, biên soạn theo các chuyên đề của "
    "hội nghị tập huấn công tác dân vận của tỉnh: chuyển đổi số trong công tác dân vận, vận hành tài khoản "
    "Zalo OA của xã, nắm bắt dư luận xã hội, thực hiện dân chủ ở cơ sở, và công tác dân vận ở vùng đồng bào "
    "dân tộc thiểu số, vùng có đông đồng bào theo tôn giáo. Mỗi bài học khoảng 10 phút đọc; cuối khoá có "
    "bài kiểm tra 10 câu."
)


@dataclass(frozen=True)
class SeedLesson:
    title: str
    body: str
    link_url: str = ""
    link_title: str = ""


@dataclass(frozen=True)
class SeedQuestion:
    text: str
    choices: tuple[tuple[str, bool], ...]
    explanation: str
    multiple: bool = False


LESSONS: tuple[SeedLesson, ...] = (
    SeedLesson(
        title="Bài 1. Chuyển đổi số trong công tác dân vận",
        body="""\
"Dân vận khéo thì việc gì cũng thành công." Lời dạy của Chủ tịch Hồ Chí Minh trong bài "Dân vận" (1949) vẫn là thước đo của mọi cách làm mới. Chuyển đổi số không thay thế việc cán bộ gần dân, hiểu dân; nó giúp cán bộ nghe được nhiều người hơn, trả lời nhanh hơn và không để sót ý kiến nào.

## Chuyển đổi số ở xã, phường nghĩa là gì

Ở cấp xã, chuyển đổi số trong công tác dân vận không bắt đầu từ phần mềm mà từ câu hỏi: người dân của xã đang dùng kênh gì, và họ cần gì ở chính quyền? Ở nhiều thôn vùng cao, loa truyền thanh và buổi họp thôn vẫn là kênh chính; ở phường, phần lớn các hộ đã dùng Zalo. Một kế hoạch tốt dùng cả hai: kênh số cho người dùng điện thoại, kênh truyền thống cho người chưa dùng, và cùng một nội dung cho tất cả.

- Thông tin một chiều (thông báo, tuyên truyền) chuyển thành trao đổi hai chiều: người dân hỏi, phản ánh và được trả lời.
- Ý kiến của dân được ghi lại, phân loại và theo dõi đến khi giải quyết xong, không nằm rải rác trong sổ tay hay điện thoại riêng.
- Lãnh đạo xã nhìn thấy bức tranh chung (vấn đề nào nhiều người quan tâm, thôn nào chậm trả lời) để chỉ đạo kịp thời.

## Nguyên tắc khi đưa công việc lên môi trường số

1. Lấy người dân làm trung tâm: dùng ngôn ngữ giản dị, câu ngắn, tránh từ viết tắt; với bà con dân tộc thiểu số, phối hợp người có uy tín hoặc cán bộ biết tiếng để chuyển tải.
2. Không bỏ ai lại phía sau: mọi thông báo quan trọng đăng trên Zalo đều phải phát trên loa và thông báo tại họp thôn.
3. Bảo vệ dữ liệu cá nhân của dân: chỉ thu thập thông tin cần để trả lời; không chia sẻ số điện thoại, hình ảnh, nội dung phản ánh của người dân vào nhóm chat công khai.
4. Trả lời đúng hẹn: một kênh số không ai trả lời làm mất lòng tin nhanh hơn là không có kênh.

## Việc cần làm ngay trong tháng đầu

- Lập danh sách các kênh xã đang dùng (Zalo OA, trang thông tin điện tử, loa, nhóm Zalo thôn) và người phụ trách từng kênh.
- Thống nhất một đầu mối tiếp nhận phản ánh, một quy trình chuyển xử lý và thời hạn trả lời.
- Hướng dẫn trưởng thôn, tổ trưởng tổ dân phố cách chuyển ý kiến của bà con vào hệ thống thay vì ghi tay.
- Mỗi tháng xem lại số ý kiến đã nhận, đã trả lời, quá hạn, và báo cáo cấp uỷ.

**Ghi nhớ:** công nghệ chỉ là công cụ. Điều quyết định vẫn là cán bộ nói đi đôi với làm, trả lời thật và giải quyết thật.""",
    ),
    SeedLesson(
        title="Bài 2. Vận hành tài khoản Zalo OA của xã, phường",
        body="""\
Tài khoản Zalo chính thức (Zalo OA) là kênh mà nhiều người dân dễ tiếp cận nhất. Đến cuối năm 2024, cả nước có hơn 17.000 tài khoản OA của cơ quan nhà nước và đơn vị sự nghiệp. Sau sắp xếp đơn vị hành chính năm 2025, nhiều tài khoản đã đổi tên hoặc sáp nhập; việc đầu tiên là bảo đảm tên, ảnh đại diện và thông tin của OA đúng với xã, phường mới.

## Thiết lập ban đầu

- Tên OA ghi đầy đủ: "UBND xã …" hoặc "Phường … – tỉnh Tuyên Quang"; ảnh đại diện là biểu trưng chính thức, không dùng ảnh cá nhân.
- Phần giới thiệu ghi rõ OA dùng để làm gì (thông báo, tiếp nhận phản ánh, hướng dẫn thủ tục), giờ trực và thời hạn trả lời.
- Phân công ít nhất hai người quản trị; không dùng tài khoản cá nhân để đăng nhập thay; đổi mật khẩu khi có người chuyển công tác.
- Tạo tin nhắn chào mừng ngắn và menu gồm: Thông báo mới, Gửi phản ánh, Thủ tục hành chính, Số điện thoại đường dây nóng.

## Những quy định của Zalo cần nắm

Các quy tắc dưới đây là theo tài liệu hướng dẫn hiện có; cán bộ cần kiểm tra lại trên trang dành cho nhà phát triển của Zalo vì quy định có thể thay đổi.

- Tin nhắn tư vấn (trả lời người dân) chỉ gửi được trong vòng 48 giờ kể từ lần cuối người dân nhắn cho OA. Vì vậy phải trả lời sớm; quá hạn thì chỉ còn cách gửi thông báo hoặc liên hệ bằng kênh khác.
- Tin truyền thông (gửi hàng loạt) bị giới hạn giờ gửi và số lượng mỗi ngày; không dùng để gửi tin không cần thiết.
- Tin ZNS gửi theo số điện thoại phải dùng mẫu đã được duyệt và có hạn mức; chỉ dùng khi thật cần (ví dụ lịch tiêm, hạn nộp hồ sơ).

## Quy trình trả lời một tin nhắn của người dân

1. Tiếp nhận: đọc trong giờ trực, cảm ơn và báo đã nhận, hẹn thời gian trả lời cụ thể.
2. Phân loại: câu hỏi thông thường thì trả lời ngay; phản ánh, kiến nghị thì chuyển bộ phận phụ trách; khiếu nại, tố cáo thì hướng dẫn người dân làm theo thủ tục của luật, không giải quyết qua tin nhắn.
3. Theo dõi: ghi vào hệ thống để không bị quên khi người phụ trách nghỉ.
4. Trả lời và khép lại: trả lời bằng lời lẽ lịch sự, nêu rõ kết quả và ai chịu trách nhiệm; hỏi người dân đã rõ chưa.

## Viết bài đăng sao cho dân đọc

- Tiêu đề nói điều quan trọng nhất: việc gì, ở đâu, khi nào.
- Một bài một việc; đoạn văn ngắn, có số điện thoại hỏi thêm.
- Ảnh thật của địa phương tốt hơn ảnh minh hoạ; không đăng ảnh người dân khi chưa được đồng ý.
- Với tin quan trọng, chuẩn bị sẵn bản đọc cho loa truyền thanh và nhờ cán bộ biết tiếng dân tộc chuyển ngữ.

**Không bao giờ** dùng OA để tranh luận với người dân hay trả lời bằng giọng bực bội. Gặp ý kiến gay gắt, hãy cảm ơn, ghi nhận, hẹn gặp trực tiếp hoặc gọi điện.""",
        link_url="https://oa.zalo.me/",
        link_title="Trang quản lý Zalo Official Account",
    ),
    SeedLesson(
        title="Bài 3. Nắm bắt và tổng hợp dư luận xã hội",
        body="""\
Nắm bắt dư luận xã hội là nắm tâm tư, nguyện vọng của nhân dân để cấp uỷ, chính quyền có chủ trương đúng và giải quyết kịp thời những vấn đề bức xúc. Cơ sở của công tác này là Kết luận 100-KL/TW (năm 2014) của Ban Bí thư về công tác điều tra, nghiên cứu dư luận xã hội và Hướng dẫn 167-HD/BTGTW (năm 2015).

## Dư luận đến từ đâu

- Ý kiến trực tiếp tại họp thôn, tiếp xúc cử tri, buổi đối thoại.
- Phản ánh, kiến nghị qua Zalo OA, điện thoại, hòm thư, bộ phận một cửa.
- Báo cáo của cộng tác viên dư luận xã hội, trưởng thôn, người có uy tín, các đoàn thể.
- Thông tin lan truyền trên mạng xã hội, kể cả tin sai sự thật cần được phát hiện sớm.

## Báo cáo của cộng tác viên: tháng và nhanh

Cộng tác viên gửi **báo cáo tháng** và **báo cáo nhanh** khi có vấn đề nổi lên. Một báo cáo tốt trả lời được năm câu hỏi: vấn đề gì; ở đâu (thôn, xã); bao nhiêu người quan tâm và mức độ bức xúc; xu hướng đang tăng hay giảm; đề xuất cách xử lý. Báo cáo nói về vấn đề, không phải về cá nhân: không ghi tên, không "điểm mặt" người nói.

1. Nghe nhiều nguồn trước khi kết luận; phân biệt điều tận mắt thấy với điều nghe kể lại.
2. Ghi đúng lời dân nói ở những ý quan trọng, không diễn giải theo ý mình.
3. Nêu cả ý kiến đồng tình, không chỉ ý kiến phàn nàn.
4. Với tin đồn, ghi rõ "chưa kiểm chứng" và đề nghị cơ quan chức năng xác minh.

## Từ số liệu đến việc làm

Hệ thống tổng hợp các ý kiến theo chủ đề và theo xã, cho thấy chủ đề nào đang tăng. Số liệu chỉ có ý nghĩa khi dẫn đến hành động: giao ai xử lý, khi nào trả lời dân, và trả lời bằng kênh nào. Khi nhóm người nói về một vấn đề quá nhỏ, không công bố chi tiết để tránh lộ người phản ánh.

## Những điều không được làm

- Không lập danh sách theo dõi quan điểm chính trị, tôn giáo của từng người dân; đây là dữ liệu cá nhân nhạy cảm theo Luật Bảo vệ dữ liệu cá nhân (Luật số 91/2025/QH15, có hiệu lực từ 1/1/2026).
- Không chụp màn hình tin nhắn riêng của người dân để chuyển vào nhóm chat.
- Không "xử lý" người nói thật; dân chỉ nói thật khi tin rằng nói ra là an toàn và được lắng nghe.""",
    ),
    SeedLesson(
        title="Bài 4. Thực hiện dân chủ ở cơ sở",
        body="""\
Luật Thực hiện dân chủ ở cơ sở (Luật số 10/2022/QH15) có hiệu lực từ ngày 1/7/2023, được hướng dẫn bởi Nghị định 59/2023/NĐ-CP. Tinh thần xuyên suốt là "dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng". Chương II của Luật quy định việc thực hiện dân chủ ở xã, phường theo bốn nhóm nội dung.

## Bốn nhóm nội dung ở xã, phường

1. **Công khai thông tin** (Điều 11–14): kế hoạch phát triển kinh tế – xã hội, dự toán và quyết toán ngân sách, quy hoạch, dự án, thủ tục hành chính, các khoản đóng góp của dân… với hình thức và thời hạn công khai theo luật.
2. **Nhân dân bàn và quyết định** (Điều 15–24): chủ trương và mức đóng góp xây dựng công trình công cộng, hương ước, quy ước, bầu và bãi nhiệm trưởng thôn…
3. **Nhân dân góp ý kiến** (Điều 25–29): dự thảo quy hoạch, kế hoạch, đề án của xã trước khi cấp có thẩm quyền quyết định.
4. **Nhân dân kiểm tra, giám sát** (Điều 30–45): thông qua Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng và bằng phản ánh, kiến nghị.

## Vai trò của cán bộ dân vận

- Giúp người dân **biết** quyền của mình: nói ngắn gọn, có ví dụ gần gũi (con đường bê tông thôn làm, khoản đóng góp xây nhà văn hoá).
- Tổ chức để dân **bàn thật**: thông báo trước nội dung họp, chọn giờ họp phù hợp mùa vụ, mời cả phụ nữ và thanh niên, ghi biên bản trung thực.
- Bảo đảm ý kiến góp ý được **tổng hợp và phản hồi**: dân cần biết ý kiến nào được tiếp thu, ý kiến nào chưa và vì sao.
- Hỗ trợ Ban Thanh tra nhân dân và Ban Giám sát đầu tư của cộng đồng có đủ thông tin để làm việc.

## Công khai trên kênh số

Đăng tải lên cổng thông tin hoặc Zalo OA giúp nhiều người biết hơn nhưng không thay thế các hình thức luật quy định như niêm yết tại trụ sở, thông báo trên hệ thống truyền thanh, thông báo qua trưởng thôn. Khi đăng, ghi rõ ngày đăng, thời hạn lấy ý kiến và cách gửi ý kiến. Lưu lại bằng chứng đã công khai (ảnh niêm yết, lịch phát thanh) để báo cáo khi được kiểm tra.

## Phân biệt để hướng dẫn dân đúng

Phản ánh, kiến nghị thông thường được xử lý theo quy chế của địa phương. Khiếu nại và tố cáo có thủ tục và thời hạn riêng theo Luật Khiếu nại và Luật Tố cáo; cán bộ không giải quyết thay qua tin nhắn mà hướng dẫn người dân gửi đến đúng cơ quan có thẩm quyền và giải thích thời hạn. Ở vùng sâu, vùng xa, thời hạn giải quyết khiếu nại có thể dài hơn theo quy định; cần kiểm tra văn bản chính thức trước khi trả lời.""",
        link_url="https://vbpl.vn/",
        link_title="Cơ sở dữ liệu quốc gia về văn bản pháp luật",
    ),
    SeedLesson(
        title="Bài 5. Dân vận ở vùng đồng bào dân tộc thiểu số và vùng có đông đồng bào theo tôn giáo",
        body="""\
Tuyên Quang có 45 dân tộc cùng sinh sống, đồng bào dân tộc thiểu số chiếm hơn 70% dân số: Tày, Mông, Dao, Nùng, Sán Chay, Giáy, La Chí, Pà Thẻn, Lô Lô, Pu Péo, Bố Y, Cờ Lao… Mỗi cộng đồng có tiếng nói, phong tục, lịch nông vụ và cách ra quyết định riêng. Làm dân vận ở đây trước hết là tôn trọng và hiểu sự khác biệt đó.

## Nói bằng ngôn ngữ của bà con

- Tin quan trọng cần được chuyển sang tiếng Mông, Dao, Tày… bằng người thật (cán bộ biết tiếng, giáo viên, người có uy tín), đọc lại cho người bản ngữ nghe trước khi phát.
- Dùng loa truyền thanh, buổi họp thôn và gặp gỡ tại nhà cho những người không dùng điện thoại thông minh.
- Chọn thời điểm phù hợp: tránh mùa gieo cấy, thu hoạch, ngày chợ phiên, ngày lễ của cộng đồng.
- Hình ảnh, ví dụ lấy từ chính bản làng; tránh dùng từ Hán Việt khó hiểu.

## Phát huy vai trò người có uy tín

Già làng, trưởng dòng họ, trưởng thôn, thầy mo, chức sắc tôn giáo có tiếng nói lớn trong cộng đồng. Hãy gặp họ trước mỗi việc lớn, giải thích rõ mục đích, lắng nghe lo ngại, và mời họ cùng vận động. Khi họ góp ý, phản hồi lại cho họ biết ý kiến đã được xử lý thế nào.

## Vùng có đông đồng bào theo tôn giáo

- Tôn trọng quyền tự do tín ngưỡng, tôn giáo và không tín ngưỡng, tôn giáo của mọi người; không phân biệt đối xử vì lý do tôn giáo.
- Nắm lịch sinh hoạt tôn giáo để bố trí họp, tuyên truyền phù hợp; phối hợp chức sắc trong các phong trào chung như xây dựng nông thôn mới, giữ gìn an ninh trật tự.
- Giải thích rõ chính sách, pháp luật về tín ngưỡng, tôn giáo; phân biệt hoạt động tôn giáo đúng pháp luật với việc lợi dụng tôn giáo, không quy chụp.

## Dữ liệu nhạy cảm: không ghi, không theo dõi

Thông tin về dân tộc, tôn giáo, quan điểm chính trị của một người là dữ liệu cá nhân nhạy cảm. Hệ thống Cầu Nối không có trường nào để ghi những thông tin này cho từng người dân, và cán bộ cũng không được lập danh sách riêng. Khi cần số liệu để lập kế hoạch, dùng số liệu tổng hợp của cơ quan thống kê.

## Ví dụ một cách làm khéo

Một thôn người Mông cần mở rộng đường vào bản, phải hiến đất. Cán bộ không triệu tập họp ngay mà đến nhà trưởng họ trước, cùng đi xem tuyến đường, nghe bà con lo về mồ mả và nương ngô. Phương án được điều chỉnh để tránh khu mộ; trưởng họ đứng ra vận động. Sau ba buổi họp bằng tiếng Mông, các hộ thống nhất hiến đất và cùng góp công làm đường. Đó là "dân vận khéo": hiểu dân, tôn trọng dân và để dân làm chủ.""",
    ),
)

QUESTIONS: tuple[SeedQuestion, ...] = (
    SeedQuestion(
        text="Xã vừa có thông báo quan trọng về lịch tiêm chủng. Cách làm nào bảo đảm không bỏ sót người dân?",
        choices=(
            ("Chỉ đăng trên Zalo OA vì đa số người dân đã dùng Zalo", False),
            ("Đăng trên Zalo OA, đồng thời phát trên loa truyền thanh và thông báo qua trưởng thôn", True),
            ("Gửi vào nhóm Zalo của cán bộ xã", False),
            ("Dán thông báo ở trụ sở UBND xã", False),
        ),
        explanation=(
            'Nguyên tắc "không bỏ ai lại phía sau": mọi thông báo quan trọng trên kênh số phải đi kèm các kênh '
            "truyền thống (loa, họp thôn) cho người chưa dùng điện thoại thông minh."
        ),
    ),
    SeedQuestion(
        text="Theo tài liệu hướng dẫn hiện có của Zalo, tin nhắn tư vấn trả lời người dân gửi được trong bao lâu "
        "kể từ lần cuối người dân nhắn cho OA?",
        choices=(("24 giờ", False), ("48 giờ", True), ("7 ngày", False), ("Không giới hạn", False)),
        explanation=(
            "Tin tư vấn chỉ gửi được trong 48 giờ sau tương tác cuối của người dân; quá thời hạn thì chỉ còn tin "
            "truyền thông hoặc ZNS có hạn mức. Vì vậy phải trả lời sớm (và kiểm tra lại quy định hiện hành của Zalo)."
        ),
    ),
    SeedQuestion(
        text="Người dân gửi qua Zalo OA một đơn tố cáo cán bộ thôn. Cán bộ quản trị OA nên làm gì?",
        choices=(
            ("Trả lời kết luận ngay trên Zalo để người dân yên tâm", False),
            ("Chuyển ảnh chụp tin nhắn vào nhóm Zalo của thôn để mọi người cùng biết", False),
            (
                "Ghi nhận, hướng dẫn người dân gửi tố cáo theo thủ tục của Luật Tố cáo đến cơ quan có thẩm quyền "
                "và giải thích thời hạn",
                True,
            ),
            ("Bỏ qua vì Zalo không phải kênh tiếp nhận tố cáo", False),
        ),
        explanation=(
            "Khiếu nại, tố cáo có thủ tục và thời hạn riêng theo luật; kênh chat không thay thế được. Cán bộ ghi "
            "nhận, hướng dẫn đúng nơi, và tuyệt đối không chia sẻ nội dung, danh tính người tố cáo."
        ),
    ),
    SeedQuestion(
        text="Báo cáo dư luận xã hội của cộng tác viên cần có những nội dung nào? (chọn tất cả ý đúng)",
        choices=(
            ("Vấn đề gì và ở đâu", True),
            ("Mức độ quan tâm, bức xúc và xu hướng", True),
            ("Đề xuất cách xử lý", True),
            ("Họ tên và quan điểm chính trị của từng người đã phát biểu", False),
        ),
        explanation=(
            "Báo cáo nói về vấn đề, không về cá nhân: vấn đề, địa bàn, mức độ, xu hướng, đề xuất. Ghi tên và quan "
            "điểm chính trị của từng người là lập hồ sơ dữ liệu nhạy cảm, trái Luật Bảo vệ dữ liệu cá nhân."
        ),
        multiple=True,
    ),
    SeedQuestion(
        text="Văn bản nào là cơ sở của công tác điều tra, nghiên cứu dư luận xã hội được nêu trong bài học?",
        choices=(
            ("Kết luận 100-KL/TW năm 2014 của Ban Bí thư", True),
            ("Luật Thực hiện dân chủ ở cơ sở năm 2022", False),
            ("Thông tư 39/2020/TT-BTTTT", False),
            ("Nghị định 61/2023/NĐ-CP", False),
        ),
        explanation=(
            "Kết luận 100-KL/TW (18/8/2014) của Ban Bí thư và Hướng dẫn 167-HD/BTGTW (2015) là cơ sở của công tác "
            "dư luận xã hội và mạng lưới cộng tác viên."
        ),
    ),
    SeedQuestion(
        text="Luật Thực hiện dân chủ ở cơ sở (Luật số 10/2022/QH15) có hiệu lực từ ngày nào?",
        choices=(("1/1/2023", False), ("1/7/2023", True), ("1/7/2025", False), ("1/1/2026", False)),
        explanation="Luật được Quốc hội thông qua ngày 10/11/2022 và có hiệu lực từ ngày 1/7/2023.",
    ),
    SeedQuestion(
        text="Ở xã, phường, Luật Thực hiện dân chủ ở cơ sở quy định những nhóm nội dung nào? (chọn tất cả ý đúng)",
        choices=(
            ("Những nội dung phải công khai cho nhân dân", True),
            ("Những nội dung nhân dân bàn và quyết định", True),
            ("Những nội dung nhân dân góp ý kiến trước khi cơ quan có thẩm quyền quyết định", True),
            ("Nhân dân kiểm tra, giám sát", True),
            ("Nhân dân bầu Chủ tịch UBND xã trực tiếp", False),
        ),
        explanation=(
            "Chương II của Luật có bốn mục: công khai thông tin (Điều 11–14), dân bàn và quyết định (Điều 15–24), "
            "dân góp ý (Điều 25–29), dân kiểm tra, giám sát (Điều 30–45). Chủ tịch UBND xã không do dân bầu trực tiếp."
        ),
        multiple=True,
    ),
    SeedQuestion(
        text="Xã đã đăng dự thảo kế hoạch lên Zalo OA để lấy ý kiến. Như vậy đã đủ hình thức công khai theo luật chưa?",
        choices=(
            ("Đủ, vì nhiều người dùng Zalo hơn đọc bảng tin", False),
            (
                "Chưa chắc: đăng trên kênh số bổ sung chứ không thay thế các hình thức luật quy định như niêm yết, "
                "truyền thanh, thông báo qua trưởng thôn",
                True,
            ),
            ("Đủ, nếu bài đăng có trên 100 lượt xem", False),
        ),
        explanation=(
            "Kênh số giúp nhiều người biết hơn nhưng không thay thế hình thức công khai luật quy định. Lưu bằng "
            "chứng đã niêm yết, đã phát thanh để báo cáo khi được kiểm tra."
        ),
    ),
    SeedQuestion(
        text="Chuẩn bị vận động một thôn người Mông hiến đất làm đường, việc nên làm trước tiên là gì?",
        choices=(
            ("Triệu tập họp toàn thôn ngay và thông báo danh sách hộ phải hiến đất", False),
            (
                "Gặp trưởng họ, người có uy tín trước, cùng đi xem thực địa, nghe lo ngại của bà con và nói bằng "
                "tiếng Mông",
                True,
            ),
            ("Đăng thông báo trên Zalo OA của xã", False),
            ("Nhờ công an xã đến làm việc với từng hộ", False),
        ),
        explanation=(
            "Người có uy tín có tiếng nói lớn trong cộng đồng. Gặp họ trước, lắng nghe và điều chỉnh phương án "
            'theo lo ngại chính đáng của dân là cách làm "dân vận khéo".'
        ),
    ),
    SeedQuestion(
        text="Để tiện nắm tình hình, một cán bộ đề nghị lập danh sách từng hộ theo tôn giáo và dân tộc trên hệ thống. "
        "Ý kiến nào đúng?",
        choices=(
            ("Nên làm, vì giúp phân loại đối tượng tuyên truyền", False),
            (
                "Không được: dân tộc, tôn giáo, quan điểm chính trị là dữ liệu cá nhân nhạy cảm; khi cần lập kế "
                "hoạch thì dùng số liệu tổng hợp",
                True,
            ),
            ("Được, nếu chỉ cán bộ xã xem", False),
        ),
        explanation=(
            "Luật Bảo vệ dữ liệu cá nhân (Luật 91/2025/QH15) xếp nguồn gốc dân tộc, quan điểm tôn giáo, chính trị "
            "là dữ liệu nhạy cảm. Cầu Nối cố ý không có trường nào để ghi các thông tin này cho từng người dân."
        ),
    ),
)


# A short second course, assigned earlier and now overdue for some, so readiness and reminders have
# something to show in the demo.
PRIVACY_TITLE = "Bảo vệ dữ liệu cá nhân khi tiếp nhận ý kiến của người dân"

PRIVACY_SUMMARY = (
    "Những điều mọi cán bộ, cộng tác viên cần làm và không được làm với thông tin cá nhân của người dân "
    "theo Luật Bảo vệ dữ liệu cá nhân (Luật số 91/2025/QH15) và Nghị định 356/2025/NĐ-CP, có hiệu lực từ 1/1/2026."
)

PRIVACY_LESSONS: tuple[SeedLesson, ...] = (
    SeedLesson(
        title="Bài 1. Thu thập vừa đủ, dùng đúng mục đích",
        body="""\
Khi người dân gửi ý kiến, cán bộ chỉ cần những thông tin để trả lời họ: cách xưng hô, số điện thoại hoặc kênh liên lạc họ chọn, thôn hoặc tổ dân phố. Không hỏi thêm những gì không cần cho việc giải quyết.

- Mỗi mục đích (nhận tin, giải quyết phản ánh, liên hệ lại, mời khảo sát) cần sự đồng ý riêng; người dân có thể rút lại bất cứ lúc nào.
- Ghi sự đồng ý đúng như người dân đã nói; không tự đánh dấu thay.
- Dân tộc, tôn giáo, quan điểm chính trị là dữ liệu nhạy cảm: không ghi cho từng người.

Khi người dân yêu cầu xem hoặc xoá thông tin của mình, làm theo chức năng "Quyền của người dân" trên hệ thống và báo lại cho họ.""",
    ),
    SeedLesson(
        title="Bài 2. Chia sẻ và lưu giữ an toàn",
        body="""\
Phần lớn sự cố lộ thông tin ở cơ sở không do tin tặc mà do thói quen: chụp màn hình gửi nhóm chat, để sổ ghi chép trên bàn, dùng chung mật khẩu.

1. Không chuyển ảnh chụp tin nhắn, số điện thoại của người dân vào nhóm Zalo thôn hoặc nhóm cán bộ.
2. Chuyển xử lý bằng chức năng giao việc trên hệ thống để biết ai đã xem.
3. Mỗi người một tài khoản; bật xác thực hai lớp khi được yêu cầu; không cho người khác mượn tài khoản.
4. Khi nghi ngờ lộ thông tin, báo ngay cho lãnh đạo và bộ phận phụ trách để xử lý theo quy định.""",
    ),
)

PRIVACY_QUESTIONS: tuple[SeedQuestion, ...] = (
    SeedQuestion(
        text="Người dân gửi phản ánh về đèn đường hỏng. Thông tin nào cần hỏi thêm?",
        choices=(
            ("Cách liên lạc lại và vị trí đèn hỏng", True),
            ("Dân tộc và tôn giáo của người phản ánh", False),
            ("Số căn cước công dân của cả gia đình", False),
        ),
        explanation="Chỉ thu thập thông tin cần để giải quyết và trả lời; dân tộc, tôn giáo là dữ liệu nhạy cảm.",
    ),
    SeedQuestion(
        text="Việc nào làm lộ dữ liệu cá nhân của người dân? (chọn tất cả ý đúng)",
        choices=(
            ("Chụp màn hình tin nhắn của người dân gửi vào nhóm Zalo thôn", True),
            ("Cho đồng nghiệp mượn tài khoản đăng nhập", True),
            ("Giao việc cho bộ phận chuyên môn bằng chức năng trên hệ thống", False),
        ),
        explanation="Nhóm chat và tài khoản dùng chung là nguồn lộ thông tin phổ biến nhất; giao việc trên hệ thống có ghi vết.",
        multiple=True,
    ),
    SeedQuestion(
        text="Người dân muốn rút lại sự đồng ý nhận tin. Cán bộ làm gì?",
        choices=(
            ("Ghi nhận rút lại trên hệ thống ngay; các mục đích khác giữ nguyên nếu họ không rút", True),
            ("Giải thích rằng đã đồng ý thì không rút được", False),
            ("Xoá toàn bộ hồ sơ của người đó", False),
        ),
        explanation="Sự đồng ý theo từng mục đích và có thể rút lại bất cứ lúc nào; rút một mục đích không xoá các mục đích khác.",
    ),
)


# A one-page handout attached to lesson 2, rendered to PDF by the demo: what to check when taking
# over or reviewing the commune's Zalo OA.
ZALO_CHECKLIST_TITLE = "Bảng kiểm vận hành Zalo OA của xã, phường"
ZALO_CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Thông tin tài khoản",
        (
            "Tên OA đúng tên xã, phường sau sắp xếp; ảnh đại diện là biểu trưng chính thức",
            "Phần giới thiệu ghi mục đích, giờ trực, thời hạn trả lời, số điện thoại đường dây nóng",
            "Ít nhất hai người quản trị; không dùng chung mật khẩu; cập nhật khi có người chuyển công tác",
        ),
    ),
    (
        "Tiếp nhận và trả lời",
        (
            "Có lịch trực hằng ngày; tin nhắn được báo đã nhận trong ngày làm việc",
            "Trả lời trong 48 giờ kể từ tin nhắn cuối của người dân (kiểm tra lại quy định hiện hành của Zalo)",
            "Phản ánh, kiến nghị được ghi vào hệ thống và giao người xử lý",
            "Khiếu nại, tố cáo: hướng dẫn thủ tục theo luật, không giải quyết qua tin nhắn",
        ),
    ),
    (
        "Đăng tin",
        (
            "Tin quan trọng đồng thời phát trên loa và thông báo qua trưởng thôn",
            "Có bản chuyển ngữ cho bà con dân tộc thiểu số khi cần",
            "Không đăng ảnh, số điện thoại của người dân khi chưa được đồng ý",
        ),
    ),
    (
        "Hằng tháng",
        (
            "Tổng hợp số tin nhận, đã trả lời, quá hạn; báo cáo cấp uỷ",
            "Rà soát người quản trị và quyền truy cập",
        ),
    ),
)
